"""Results -> what people and programs read: the table, machine formats, explanations of rounds."""
