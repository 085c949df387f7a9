"""Child process for the video-output tests: plays a TS file with MpvOutput under the display it is given
(``xvfb-run -a``, or none) and prints one JSON line: the vo libmpv chose, sizes, the end event."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from player.feed.events import EndOfFile, VideoSize
from player.feed.mpv_output import MpvOutput


def main(ts_file: str, vo: str) -> None:
    sizes: list[list[int]] = []
    with MpvOutput(vo=vo, options={"speed": 4, "force_window": "yes"}) as output:
        output.start(0.0)
        output.push(Path(ts_file).read_bytes())
        output.end_of_stream()

        def done(event: object) -> bool:
            if isinstance(event, VideoSize):
                sizes.append([event.width, event.height])
            return isinstance(event, EndOfFile)

        end = output.wait_for(done, 30)
        current_vo = output.property("current-vo")
    print(json.dumps({"current_vo": current_vo, "sizes": sizes,
                      "end": None if end is None else {"reason": end.reason, "error": end.error,  # type: ignore[attr-defined]
                                                       "vo_failed": end.video_output_failed}}))  # type: ignore[attr-defined]


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
