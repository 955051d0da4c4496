"""Privacy by design: the pseudonymisation key, PII classification and who may unmask."""
