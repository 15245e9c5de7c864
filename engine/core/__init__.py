"""What every layer uses: errors, paths, safe YAML, validated documents, exact quantities, tri-values."""
