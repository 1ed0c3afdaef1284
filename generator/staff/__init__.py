"""Staff commands beyond the draw: what is due (`status`) and new tasks (`task new`)."""
