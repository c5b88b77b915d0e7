"""OneRoster 1.2 CSV binding: the file table, safe archive reading, import and export."""
