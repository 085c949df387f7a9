"""Rate adaptation: bandwidth estimation, ABR algorithms, trace-driven simulator, QoE metrics.

Pure Python with no I/O and no clock of its own: time is passed in.
"""
