// Placeholder translation unit until the journal lands.
