"""Live channels for the backend (issue 15): a supervised real-time ffmpeg, our CMAF packager, LL-HLS
playlists and dynamic MPDs (``channel``, ``track``, ``hls``, ``mpd``), and what edges do for live files
(``edge``: blocking reload, held parts, chunked segments). ``service.LiveService`` is what the backend starts.
"""
