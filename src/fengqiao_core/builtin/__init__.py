"""Built-in backends 内置后端, registered as plugins exactly like external ones."""
