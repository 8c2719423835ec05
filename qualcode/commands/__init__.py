"""click commands grouped by the layer they drive; ``qualcode.cli`` registers them all."""
