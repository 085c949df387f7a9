"""Live playback pieces that need no network and no libmpv (issue 15), each with one job:

- ``clock_sync``: the server's wall clock from UTCTiming or a ``Date`` header, on the engine's monotonic
  clock, so the client's own wall clock (which may be off by minutes) is never read;
- ``hls_live`` / ``dash_live``: the live facts of a media playlist / a dynamic MPD (hold-backs, parts,
  preload hint, program date-times; availability start, offsets, service description);
- ``window``: which segments exist now and where playback should start (live edge minus hold-back);
- ``refresh``: when to reload a playlist or MPD, blocking-reload queries, frozen-playlist detection;
- ``latency``: the playback rate and resync decisions that hold a target latency inside the DVR window.
"""
