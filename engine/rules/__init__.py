"""Rule files -> compiled programs: the file model, the compiler, the typed program, the rule set, the calendar."""

from .ruleset import RuleSet, load_ruleset

__all__ = ["RuleSet", "load_ruleset"]
