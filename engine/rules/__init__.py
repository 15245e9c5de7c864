"""Rule files -> compiled programs: the file model (`model`), the compiler (`compile`), the typed program
(`program`), a folder of rounds (`ruleset`) and every date rule (`calendar`)."""
