"""Small local servers speaking real venue wire protocols, for the live adapter tests."""
