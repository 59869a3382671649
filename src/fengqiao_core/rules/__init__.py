"""Rules 规则: pure, documented functions over the model, each named by its DOMAIN.md §3 id."""
