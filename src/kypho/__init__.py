"""kypho."""
