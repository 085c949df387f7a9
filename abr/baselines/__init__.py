"""Published algorithms, implemented from their papers, so every comparison runs in one process."""
