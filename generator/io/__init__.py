"""Reading data files safely: every malformed input becomes a finding, never a traceback."""
