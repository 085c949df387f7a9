"""The Reelbox app (issue 6): desktop, TV (10-foot) and kiosk modes in PySide6, video in the window.

Public face: :func:`ui.app.main.run_ui` (``reelbox ui [--tv] [--kiosk]``) and
:func:`ui.app.main.run_demo` (``reelbox demo``). Qt lives only here (DESIGN.md "Rooms"); the engine
runs on its own asyncio loop in a worker thread (:mod:`.engine_thread`) so the UI thread never
blocks on the network.
"""
