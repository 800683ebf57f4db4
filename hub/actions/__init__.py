"""Acting from the mail: signed one-tap links (tokens, links), the confirm pages (desk), the action
messages the writer applies (apply), and the steward digest (steward)."""
