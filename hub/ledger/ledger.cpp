// Placeholder translation unit until the ledger lands.
