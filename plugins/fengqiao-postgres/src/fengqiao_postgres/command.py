"""stub"""
def register(cli): return None
