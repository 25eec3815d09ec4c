"""Topic panels: the views a page draws beside the comparison engine (one module per topic)."""
