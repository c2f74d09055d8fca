"""OR-Tools models behind `engine.snow`: the only place in the snow engine that imports OR-Tools."""
