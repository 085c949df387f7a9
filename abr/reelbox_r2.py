"""Round two of Reelbox's rate adaptation (``reelbox-r2``, issue 17), the default (``abr.DEFAULT_ALGORITHM``).

It reaches the sustainable rung after one segment on a steady link and adapts its reserve to the
link.  (Its first version scored 0.737 on Puffer against round one's 0.914: partial samples from
abandoned transfers never left the window after segment 20, and a three-download hold was too long.)

A buffer-reserve controller with an exact lookahead.

The idea
--------
The buffer is the state we control; throughput only enters as a cautious prediction of how each
choice moves it.

1. **A reserve sized by the link, not by the buffer.**  The player keeps a reserve of
   ``min(fraction × (capacity − one segment), base + spread × cv)`` seconds, where cv is the larger
   coefficient of variation of the recent throughput samples and of the whole session's (a fade
   minutes ago still counts: on Puffer at 60 s this moved QoE_lin from 1.154 to 1.177): a steady
   link needs little reserve, a bursty one more, and a 60 s buffer does not mean 40 s of idle caution (the round-one fixed 0.7 of
   capacity was over-cautious at 60 s and short at 10 s).  Every second by which a plan would leave
   the buffer below the reserve at the end of its horizon is charged like a second of stall.
2. **A reserve earned, not assumed (startup).**  The charge applies only up to the highest buffer
   level reached so far.  Right after the first segment the plan is therefore only asked not to stall,
   and on a steady link the second segment is already the sustainable rung; the reserve then grows
   with the buffer, as the surplus of each segment over its download time.  This phase ends after
   ``startup_segments`` downloads even if the buffer never reached the reserve (a link that barely
   carries the lowest rung must not be followed upwards for the whole session).
3. **Segment-size awareness.**  Download times use the real size of each upcoming segment (VBR) when
   the manifest gives them.
4. **A robust estimate.**  The minimum of the dual EWMA (3 s / 8 s) and the bits-weighted harmonic
   mean of the last five transfers.  An abandoned transfer's rate caps the estimate for the refetch
   only (the buffer is already drained: at a 10 s buffer, planning the refetch on anything higher
   rebuffered 0.38 % instead of 0.24 % on fcc); after that it is one more sample among the five (a
   real measurement of the link) rather than round one's cap until some download completes.
5. **Lookahead with switch damping.**  Each decision solves the next five segments exactly, up to
   eight with a deep buffer (half its length; see :mod:`abr.lookahead`) and applies the first rung.  A switch up must also be the plan's choice at an
   estimate lower by ``up_margin`` × one segment's share of the buffer's room (10 % at 10 s with 4 s
   segments, 3 % at 25 s): at a small buffer an up-switch the link does not hold is reversed within a
   segment or two, and on links whose mean sits between two rungs round two switched twice as often
   as RobustMPC (at 10 s on fcc/hsdpa subsets 29/51 switches per 150 against 20/27; with the margin
   20/40, rebuffering 0.24/0.43 % -> 0.18/0.37 %, QoE_lin 1.151/0.743 -> 1.104/0.712).  On a link
   that falls often the margin grows by ``margin_drop`` × the mean fall between consecutive transfers
   × the share squared (only a small buffer feels it): at 10 s Puffer gains and switches and stalls
   drop on every set (abr/README.md, session 7).  Falls only: a link that improves adds nothing, so the climb
   after a recovery is not held back (session 6's cv term was).  Session 8 weighs the falls by 10
   (was 4), which brought rebuffering under DYNAMIC's in 25 of 27 goal cells (21 before) and switches
   under RobustMPC's in 19 (17) for 0.01-0.08 QoE_lin at 10 s, and makes it affordable twice: the term
   starts only once a download completed at the rung the link's mean carries (``climb_first``), and
   for two downloads after an abandonment the climb back to the rung abandoned needs only the
   margin without the falls term (``recover``; a brief dip is not a link that falls often).  The margin is never
   below ``min_margin`` (5 %; more on a link that flips, rule 14), the noise of the estimate itself: a
   deep buffer absorbs a wrong step but does not make the estimate any better, and at 60 s the share-based
   margin (1-2 %) let the player step up and back at every wobble (session 11: on Puffer at 60 s switches 46.5/48.2 -> 44.0/43.1 per 150,
   under RobustMPC's, QoE_lin +0.035/+0.026; every 60 s cell gained; 10 s is untouched).
6. **Abandonment with hysteresis.**  A download is abandoned when, at its own measured rate, it would
   outlast the buffer (on a link that swings, only with under a segment buffered: rule 13); the player
   refetches the highest lower rung that fits.  The rung abandoned and
   those above it then stay closed for the next ``hold`` completed downloads (one: the refetch), so the
   player does not climb straight back into the same collapse; without it a 4K ladder on LTE rebuffers
   57 % at a 10 s buffer.  Longer holds cost quality after brief dips (``hold=3``: 1.53 against 2.55
   QoE_lin on 8 Mbit/s with 1.5 s dips at 10 s; 1.134 against 1.151 on an fcc subset), so a short
   ``9,0,9`` after a real dip is accepted: it is cheaper than holding the lower rung.  (Waiting until the last moment the lower rung still
   fits, so that brief dips pass without a restart, and counting a partial transfer as if it had
   carried a whole segment, both scored lower on fcc/hsdpa subsets at 10 and 25 s: more rebuffering,
   or too much caution.)  A transfer's own rate is trusted only after ``patience`` × buffer² seconds,
   × buffer / 10 s beyond 10 s buffered (0.25 s at least): 0.015 × 8² ≈ 1 s with 8 s buffered, exactly
   session 7's ``0.15 × fill × buffer`` at a 10 s capacity, so a 10 s buffer behaves as before;
   0.015 × 40² × 4 = 96 s with 40 s, so a deep buffer waits out a fade instead of refetching low (on
   Puffer at 60 s three in four large drops were such refetches, and they cost QoE_log most).  The
   fill made a 60 s buffer wait no longer than a 10 s one with as many seconds in it.  ``0.02 ×
   buffer²`` met as many goal cells but cost hsdpa at 10 s (abr/README.md, session 10).  The refetch is
   capped at the rung abandonment chose, as the engine caps it (``player.scheduling.video_loop``): the
   plan alone sometimes picked a rung the same rule abandoned again a quarter second later (on lte with
   the 4K ladder, cascades of 5 → 4 → 3).
7. **No planned trickle of stalls.**  The plan pays a fixed cost per segment it expects to stall on,
   so on a link just under a rung it does not trade a 0.1 s stall every segment for that rung.
8. **The next download is checked against the estimate's own error while the reserve is spent.**  With
   the buffer below ``robust_first`` × the reserve, the rung asked for must also download within the
   buffer at the estimate divided by 1 + the largest over-prediction of the last five completed
   transfers (RobustMPC's error bound, applied to this one download, not to the plan).  The plan spends
   a deep buffer first and rebuilds it last, which is right when the estimate holds; on a falling link
   its last high-rung request before the drop was the stall (oboe/bbb at 60 s: rung 8 asked for with
   7.9 s buffered, 6.5 s expected, 8.3 s taken).  Session 19: rebuffering at or under DYNAMIC's in 27
   of 27 goal cells (25 before).  Applied at every buffer level instead, it cost 10 s QoE_lin
   0.01-0.05 and two goal cells (abr/README.md, session 19).
9. **A deep buffer does not fall to the lowest rung.**  With a buffer of ``floor_depth_s`` (40 s) or
   more, whenever rung 1's download at the estimate still leaves ``floor_keep`` (a tenth) of the buffer
   filled, the player asks for rung 1 at least.
   Under QoE_lin the step off the lowest rung is the ladder's cheapest (0.14 on netflix10), so the plan
   refilled its reserve there; under log utility (QoE_log, Pensieve's) it is the dearest (0.47).  After
   a fade the estimate lags the link's recovery by five transfers, and the default sat at rung 0 for
   40-80 s with 15-20 s buffered, where DYNAMIC decays through rungs 3, 2, 1 (session 21).  Session 26:
   at 60 s QoE_log +0.013 to +0.022 on Puffer and hsdpa (every trace), QoE_lin within ±0.01.  Only rung 1: a floor at
   rung 2 or 3 gained more on hsdpa but cost Puffer's rebuffering and QoE_lin.  Only deep buffers: at
   25 s the same floor added switches on Puffer (45.8 -> 47.1 per 150 on bbb, over RobustMPC's 46.8),
   and at 10 s a floor that fires cost QoE_lin there (abr/README.md).  It comes after rule 8 and may
   lift rule 8's step down to rung 0 by one rung; at 60 s fcc and oboe, the cells rule 8 was made for,
   rebuffer as before.
10. **Below the reserve, a deep buffer climbs only as far as the estimate's error allows.**  With a
   buffer of ``robust_climb_s`` (40 s) or more, while the buffer is under the reserve, an up-switch must
   also be the plan's choice at the estimate lowered by the largest recent over-prediction (rule 8's
   bound, as a margin of 1 − 1/(1 + error)).  Rule 8 steps the next download down whenever it would not
   fit at that lowered estimate, so a climb the lowered estimate does not carry is undone a segment or
   two later.  On lte with the 4K ladder at 60 s the player asked for a new rung 18.3 times per 150
   segments: 7.0 were the plan's climbs with under 40 % of the buffer, and 3.2 were rule 8's steps down
   (flickers such as 5 → 4 → 5 and 4 → 3 → 4).  Session 28: there 17.6 → 14.9 switches per 150
   (RobustMPC 15.7), rebuffering 0.127 → 0.053 %, QoE_lin +0.25, QoE_log +0.032; QoE_lin and QoE_log moved
   by at most 0.002 in the other 60 s cells (abr/README.md).  Only deep buffers: at 10 s it raised lte's
   rebuffering (0.335 → 0.362 %), and at 25 s it added switches there (18.7 → 18.9 per 150) and cost
   Puffer/bbb's QoE_log 0.007.
11. **A climb into a rung the estimate does not carry waits for a nearly full buffer.**  When the link lies
   between two rungs the player alternates between them at any buffer size: the upper one drains the
   buffer, the lower one refills it, and the share of time at each is set by the link's mean, not by when
   the player switches.  What the player does choose is how often it alternates, and each round trip is two
   switches (on lte with the 4K ladder at 25 s the link mostly sits between 16 and 35 Mbit/s, and the
   player climbed at a median 18 s buffered and stepped down at 7.5 s).  So an up-switch to a rung above
   the estimate waits until the buffer is within ``fill_segments`` (two) segments of full, which makes
   each stay as long as the buffer allows; a climb to a rung the estimate carries is not held.  Not when
   that level lies under the reserve (at 10 s with 3-4 s segments it does), and not in the last
   ``FILL_END`` (two) buffers of media: a fill the session ends on is quality never spent (without that,
   oboe/bbb at 25 s lost its QoE_lin cell, +0.019 → +0.008 with the interval below zero).  It comes after
   rule 8 (it only lowers a climb) and before rule 9, whose floor asks for rung 1 above the estimate on
   purpose.  Session 29, over every trace: switches per 150 fell in all 18 goal cells at 25 and 60 s
   (lte/25 s 18.7 → 16.2, RobustMPC 16.1; at 60 s by 14-42 %: lte 14.9 → 8.6, Puffer/bbb 33.8 → 25.9);
   QoE_lin rose by 0.012-0.046 in every 60 s cell (lte +0.11) and moved −0.002 to +0.005 at 25 s (lte
   −0.04); QoE_log won Puffer/bbb and hsdpa/bbb at 60 s (−0.046 → +0.016, −0.015 → +0.023 against the best
   baseline); rebuffering fell in 14 cells and stayed under DYNAMIC's in all, though lte/60 s's went 0.053
   → 0.100 % (DYNAMIC 0.147), back towards where it was before rule 10 (abr/README.md).  The goal's 10 s
   cells and the live sizes are untouched.
12. **After a rise the climb goes as far as the risen link carries.**  When the last transfer ran at
   ``rise`` (1.5) × the estimate or more, the estimate lags the link by several transfers (it is the
   smaller of a seconds-weighted EWMA and the harmonic mean of five), and the plan climbed one rung per
   segment behind it: a staircase of switches at rungs the link had already passed (on square waves at
   25 s the default lost to BOLA-E, which follows the buffer instead).  So a one-rung climb becomes the
   plan's rung at the estimate raised by ``rise_boost`` (1.3, at most the last transfer's rate), capped at
   the rung that rate carries.  It comes last and only turns a one-rung climb that survived rules 8 and 11
   into a longer one: the raised estimate is the link's own recent rate, so it may take a rung the plain
   estimate does not carry.  Not while the reserve is being spent or a refetch is capped, and not with a
   deep buffer (``rise_depth_s``, 40 s): there it cost Puffer's QoE_log (netflix10 at 60 s +0.046 → +0.032
   against BOLA-E) and gained nothing elsewhere.  Holding the one-rung climb instead until the estimate
   caught up (session 29's lead) took two more goal-4 cells at 25 s but lowered QoE_lin in every 25 s cell
   and by 10 % on a 0.7/3 Mbit/s square wave: the lower rung's shorter transfers moved the estimate more
   slowly still.  Session 30, ``benchmarks/abr_goal.py`` over every trace: QoE_lin up in 15 of the 18
   cells at 10 and 25 s (hsdpa/netflix10/10 s 0.591 → 0.616, Puffer/netflix10/10 s +0.010), level on
   fcc/bbb/25 s, down on lte (10 s −0.016, 25 s −0.005); QoE_log's margin over the best baseline up in 15
   (hsdpa/netflix10/10 s +0.015 → +0.043); switches down in 15; rebuffering up a little at 10 s
   (Puffer/bbb 2.63 → 2.77 %, DYNAMIC 4.50) and on Puffer/netflix10/25 s (0.99 → 1.02 %), at or under
   DYNAMIC's in every goal cell; on four bursty synthetic links at 10 s 0.52 s of stall instead of 0.11 s.
   No goal verdict moved (abr/README.md).
13. **On a link that swings, a late transfer is given up only with its last segment buffered.**  Rule 6
   gives up a download that, at its own rate so far, would outlast the buffer.  On a link whose
   variability is ``abandon_cv`` (0.4) or more, it now waits while ``abandon_segments`` (one) segment or
   more is buffered: there the dip that makes a transfer look late usually ends before the buffer does,
   and an abandonment costs the bits already fetched, a refetch near the lowest rung and the climb back
   (two switches, and under log utility the ladder's dearest step).  On a steady link that drops, the drop
   is a new level and waiting only moves the refetch closer to a stall, so rule 6 applies at once (on
   fcc/netflix10 at 10 s waiting on every link stalled 0.274 % of the time against DYNAMIC's 0.267 %; a
   20 s fade after a steady 4.5 Mbit/s at 60 s stalled 10.8 s instead of 8.8 s).  Under one segment
   buffered the look is rule 6's.  Session 31, ``benchmarks/abr_goal.py`` over every trace: switches per
   150 under RobustMPC's on Puffer/bbb at 10 s (45.9 → 36.5, 38.0) and lte at 25 s (16.3 → 15.6, 16.1);
   QoE_log's gap on Puffer at 10 s −0.124 → −0.008 (bbb) and −0.120 → −0.056 (netflix10); QoE_lin up on
   Puffer at 10 and 25 s (+0.011 to +0.044) and on lte at 10 and 25 s, down on Puffer/netflix10 at 60 s
   (1.386 → 1.370) and by at most 0.004 elsewhere; rebuffering up in most 10 s cells (Puffer/bbb 2.77 →
   3.28 %, DYNAMIC 4.50; lte/25 s 0.05 → 0.12 %, 0.14) and at or under DYNAMIC's in every goal cell.
   Waiting on every link instead won QoE_log on Puffer/bbb/10 s too but lost the rebuffer goal on
   fcc/netflix10/10 s (abr/README.md).
14. **On a link that halves or doubles from one transfer to the next, the margin's floor grows.**  Rule 5's
   floor (``min_margin``, 5 %) is the estimate's own noise, and on such a link the estimate is noisier: the
   floor is ``flip_margin`` (0.3) × the share of the last twenty consecutive transfers of which one ran at
   over twice the other's rate (``flips``; Puffer's median about 0.4, so a floor of 12 %; fcc's 90th
   percentile 0.11).  Unlike the coefficient of variation it does not count a level change, which is one
   flip however deep, so steady links that drop are untouched.  Only with a buffer of ``flip_depth_s`` (20 s)
   or more, where the share-based margin is small: at 10 s it is 10 % or more with 4 s segments anyway, and
   the floor there cost Puffer/netflix10/10 s QoE_log 0.010 (−0.056 → −0.066 against DYNAMIC, a cell goal 5
   misses).  Session 32, ``benchmarks/abr_goal.py`` over every trace: switches per 150 under RobustMPC's on
   Puffer/netflix10/25 s (43.0 → 41.1, 42.2; goal 4 at 26 of 27 cells, lte/10 s the one left) and down on
   Puffer/bbb/25 s (40.3 → 38.0); QoE_lin on Puffer at 25 s −0.008 (netflix10) and −0.017 (bbb, 1.201 →
   1.184), at 60 s +0.006 (netflix10), within ±0.003 in every other cell; QoE_log on Puffer/bbb/25 s
   +0.072 → +0.065 against DYNAMIC; rebuffering moved by 0.05 points at most (Puffer/netflix10/60 s 0.66 →
   0.61 %), under DYNAMIC's everywhere.  The 10 s cells and the live sizes are untouched.
15. **With a small buffer, on a session whose transfers flip often, an abandonment steps down one rung and a
   climb follows the slowest recent transfer.**  At 10 s the falls term of rule 5 (share² = 0.44 with 4 s
   segments) puts the margin at 1 or more in 30 % of the decisions on Puffer/netflix10, where no up-switch
   survives it, and rule 6 sends an abandonment to the rung the partial transfer's rate carries, mostly the
   lowest: 46 % of the default's segments there were at rung 0 against DYNAMIC's 30 %, and the lowest rung
   is log utility's dearest step.  On such a link the dip that made a transfer late is usually over by the
   refetch.  So with a buffer under ``swing_depth_s`` (20 s), on a session in which ``swing_flips`` (a
   fifth) or more of all consecutive completed transfers (``SWING_PAIRS``, ten pairs, at least) flipped
   (rule 14's flip, one at over twice the other's rate): (a) an abandonment that would step down more than
   one rung steps down one, if that rung's download fits the buffer at the estimate (without the check, on
   one fcc trace a step taken with 2.4 s buffered, where the rung needed 2.8 s at the estimate, stalled 6 s
   more); (b) the refetch is planned on the estimate, not capped at the abandoned transfer's rate (rule 4);
   (c) a climb that rule 5 damps goes at least as far as the slowest of the last ``SWING_WINDOW`` (ten)
   transfers, abandoned ones too, carries.  The share is the whole session's: gated on the last twenty
   transfers, or on variability (fcc's 90th percentile of it, 0.55, is about Puffer's 25th, 0.56), the
   same steps either missed Puffer's gain (QoE_log −0.019 against DYNAMIC) or stalled fcc/netflix10/10 s over DYNAMIC (0.296 %
   against 0.267 %).  Session 33: on Puffer at 10 s QoE_log 0.094 → 0.150 (netflix10; DYNAMIC 0.149) and
   0.584 → 0.596 (bbb; 0.592), switches 25.4 → 28.1 and 36.5 → 37.7 per 150 (RobustMPC 31.6, 38.0),
   rebuffering 3.45 → 3.81 % and 3.28 → 3.68 % (DYNAMIC 4.66, 4.50), QoE_lin −0.001 and −0.026 there
   (``benchmarks/abr_goal.py`` over every trace: goal 5 at 27 of 27 cells); the other 10 s cells within
   ±0.001 QoE_lin (lte −0.046), and fcc/netflix10/10 s rebuffers 0.2661 % (DYNAMIC 0.2669 %).  At the live
   sizes (6 and 8 s) QoE_log rose and rebuffering by at most 0.05 points; 25 and 60 s are untouched.
16. **At a small buffer, a climb across a doubling step above the estimate waits for a full buffer and a stay
   it can afford.** Where rule 11 cannot hold a climb (its level, ``fill_segments`` segments short of full,
   lies under the reserve: at 10 s with 3-4 s segments; off with rule 11, ``fill_segments=0``), a link between
   two rungs far apart was alternated at the plan's whim: on lte with the 4K ladder at 10 s the plan took
   35 Mbit/s at an estimate of 30 with 3-5 s buffered and gave the transfer up or stepped back a segment
   later, 37 switches and 24 abandonments per 150 segments.  So a climb into a rung above the estimate that is
   ``big_step`` (2) × the rung below or more waits for a full buffer (one segment short of capacity, where the
   downloader waits), and is taken only if, at the estimate, ``stay_segments`` (two) segments there drain the
   buffer from full no lower than the reserve; else the climb stops a rung lower (and again, while the same
   holds).  The stay makes each trip up last; a trip that cannot last two segments is the flicker itself.  (The
   wait alone took 35 Mbit/s at an estimate of 16 from a full buffer, since one 4K segment still landed in
   time, and rebuffered 0.448 % on lte at 10 s.) Only doubling steps: the wait alone at every step lowered
   QoE_lin on the goal's other ladders (steps of 1.2-1.7×, where the estimate's own noise spans a rung) at
   10 s, oboe/bbb 2.153 → 2.135 and fcc/bbb 1.032 → 1.025; on the Pensieve ladder, whose one doubling step is
   its first, fcc, hsdpa, Puffer and oboe at 10 s moved by at most 0.002.  Not in the last ``FILL_END`` buffers
   of media (rule 11's guard).  Session 34: on lte at 10 s switches per 150 37.2 → 27.4 (RobustMPC 16.5),
   abandonments 24.2 → 14.3, QoE_lin 18.02 → 18.16, QoE_log 2.431 → 2.472, rebuffering 0.369 → 0.395 %
   (DYNAMIC 0.424); over 240 sessions (each log started at 20 offsets), switches 36.6 → 28.0, QoE_lin
   17.73 → 17.78, QoE_log 2.395 → 2.445, rebuffering 0.425 → 0.395 %.  At 6 and 8 s (120 such sessions
   each) switches 49.5 → 39.5 and 41.8 → 30.2, QoE_log 1.615 → 1.667 and 2.137 → 2.202, rebuffering 0.860 →
   0.854 % and 0.580 → 0.568 %.  Every other goal cell is untouched (abr/README.md).
17. **A plan that reaches the video's last segment spends the reserve.**  Rule 1 charges a plan for the buffer
   it leaves under the reserve at the end of its horizon, because the downloads after the horizon need it.
   When the horizon reaches the last segment (``segments_left`` ≤ the plan's horizon) no download comes after
   it, so the plan is scored without that terminal term (``spend_at_end``): the buffer left at the end is
   quality never played.  The plan then often stays a segment longer and ends a rung or two higher (three
   segments from the end at 25 s, 12 s buffered, 2.5 Mbit/s on bbb, rung 6 playing: 6, 9, 9, 12 s → 3.9 s
   buffered, no stall, where the charged plan climbs to 7); the rules after the plan (5, 8, 11, 16) still
   apply.  Live plays are never within a horizon of their end (the engine gives them ``LIVE_SEGMENTS``), and a
   video of five segments or fewer plays without a reserve from its first decision.  Session 38,
   ``benchmarks/abr_goal.py`` over every trace: QoE_lin up in every 25 and 60 s cell but Puffer/netflix10/25 s
   (−0.001), by 0.005 to 0.021 (oboe/bbb/60 s 2.472 → 2.493; lte +0.03 and +0.07), pooled fcc+hsdpa at 25 s
   1.100 → 1.106; QoE_log up in the same cells, by up to 0.009; switches per 150 up by at most 0.7, down on
   lte at 10 and 60 s (Puffer/netflix10/25 s 41.1 → 41.7, RobustMPC 42.2; lte/25 s 15.5 → 15.8, 16.1;
   Puffer/bbb/10 s 37.7 → 37.9, 38.0); rebuffering up by at most 0.03 points (Puffer/netflix10/60 s 0.61 →
   0.64 %, DYNAMIC 0.98), at or under DYNAMIC's in every goal cell.  The 10 s cells move by at most 0.002
   QoE_lin, the live rows (6 and 8 s) not at all.  No verdict moved (abr/README.md).
"""
from __future__ import annotations

import functools
import statistics

from .estimators import harmonic_kbps
from .reelbox import MEASURE_S, abandon_late_segment
from .lookahead import REBUFFER_PENALTY, best_plan
from .state import AbrState, AlgorithmBase, Decision, DownloadResult, Phase, Progress, Sample

WINDOW = 5
SPREAD_WINDOW = 8
FALL_CAP = 0.5
RECOVER_DOWNLOADS = 2
DEEP_S = 10.0  # buffered seconds beyond which abandonment's wait grows with the cube of the buffer
FILL_END = 2.0  # buffers of media left below which rule 11 holds no climb (the fill would be left unspent)
FLIP_WINDOW = 20  # completed transfers over which rule 14 counts flips
FLIP_FACTOR = 2.0  # a flip: one of two consecutive transfers ran at over twice the other's rate
FLIP_MIN = 6  # transfers needed before flips count
SWING_PAIRS = 10  # consecutive completed transfers needed before rule 15 reads the session's flips
SWING_WINDOW = 10  # transfers (partial ones too) whose slowest rule 15's climb follows


class Spread:
    """Running mean and variance of the session's per-transfer throughputs (Welford): the link's
    long-run variability, which a short window misses when a fade is minutes apart."""

    def __init__(self) -> None:
        self.n, self.mean, self._m2 = 0, 0.0, 0.0

    def add(self, kbps: float) -> None:
        self.n += 1
        delta = kbps - self.mean
        self.mean += delta / self.n
        self._m2 += delta * (kbps - self.mean)

    @property
    def cv(self) -> float:
        return (self._m2 / self.n) ** 0.5 / self.mean if self.n >= 2 and self.mean > 0 else 0.0


class ReelboxR2(AlgorithmBase):
    name = "reelbox-r2"

    def __init__(self, *, horizon: int = 5, fraction: float = 0.6, base_s: float = 8.0, spread_s: float = 20.0,
                 price: float = REBUFFER_PENALTY, hold: int = 1, switch_weight: float = 1.0, worth: float = 0.5,
                 startup: bool = True, stall_event: float = 1.0, startup_segments: int = 5,
                 long_memory: bool = True, up_margin: float = 0.15, margin_drop: float = 10.0,
                 min_margin: float = 0.05, patience: float = 0.015, climb_first: bool = True,
                 recover: bool = True, horizon_max: int = 8, robust_first: float = 1.0,
                 floor_depth_s: float = 40.0, floor_keep: float = 0.1, robust_climb_s: float = 40.0,
                 fill_segments: float = 2.0, rise: float = 1.5, rise_boost: float = 1.3,
                 rise_depth_s: float = 40.0, abandon_segments: float = 1.0,
                 abandon_cv: float = 0.4, flip_margin: float = 0.3, flip_depth_s: float = 20.0,
                 swing_flips: float = 0.2, swing_depth_s: float = 20.0, stay_segments: float = 2.0,
                 big_step: float = 2.0, spend_at_end: bool = True) -> None:
        self.horizon = horizon
        self.horizon_max = horizon_max
        self.fraction = fraction
        self.base_s = base_s
        self.spread_s = spread_s
        self.price = price
        self.hold = hold
        self.switch_weight = switch_weight
        self.worth = worth
        self.startup = startup
        self.stall_event = stall_event
        self.startup_segments = startup_segments
        self.long_memory = long_memory
        self.up_margin = up_margin
        self.margin_drop = margin_drop
        self.min_margin = min_margin
        self.patience = patience
        self.climb_first = climb_first
        self.recover = recover
        self.robust_first = robust_first
        self.floor_depth_s = floor_depth_s
        self.floor_keep = floor_keep
        self.robust_climb_s = robust_climb_s
        self.fill_segments = fill_segments
        self.rise = rise
        self.rise_boost = rise_boost
        self.rise_depth_s = rise_depth_s
        self.abandon_segments = abandon_segments
        self.abandon_cv = abandon_cv
        self.flip_margin = flip_margin
        self.flip_depth_s = flip_depth_s
        self.swing_flips = swing_flips
        self.swing_depth_s = swing_depth_s
        self.stay_segments = stay_segments
        self.big_step = big_step
        self.spend_at_end = spend_at_end
        self.reset()

    def reset(self) -> None:
        self._partials: list[tuple[int, Sample]] = []  # (completed downloads before it, partial transfer)
        self._completed = 0  # our own count: the state's history is a bounded window and stops growing
        self._refetch_kbps: float | None = None  # the abandoned transfer's rate, until the refetch completes
        self._refetch_cap: int | None = None  # the rung abandonment stepped down to, until the refetch completes
        self._peak_s = 0.0
        self._started_at = 0  # completed downloads at the start (or the last seek)
        self._spread = Spread()
        self._ceiling: int | None = None
        self._hold_left = 0
        self._link_bits = 0.0  # every transfer's payload and seconds (abandoned ones too): the link's mean
        self._link_s = 0.0
        self._top_rung = 0  # the highest rung a download completed at
        self._climbed = False  # the startup climb is over: the falls term of the margin applies
        self._recover_to: int | None = None  # the rung last abandoned, until reached again (``recover``)
        self._recover_left = 0
        self._predicted: float | None = None  # the estimate the last request was chosen on
        self._errors: list[float] = []  # recent over-predictions, predicted / measured - 1 (0 when under)
        self._last_kbps: float | None = None  # the last completed transfer's rate (rule 15)
        self._pair_count = self._flip_count = 0  # consecutive completed pairs this session, and how many flipped

    def samples(self, state: AbrState, window: int = WINDOW) -> list[Sample]:
        """The last ``window`` completed transfers plus the partial ones abandoned among them."""
        return list(state.history[-window:]) + [s for at, s in self._partials if self._completed - at < window]

    def predict(self, state: AbrState) -> float | None:
        """The conservative throughput the plan assumes, in kbit/s (None before any download)."""
        if state.throughput_kbps is None:
            return None
        harmonic = harmonic_kbps(self.samples(state))
        kbps = state.throughput_kbps if harmonic is None else min(state.throughput_kbps, harmonic)
        return kbps if self._refetch_kbps is None else min(kbps, self._refetch_kbps)

    def variability(self, state: AbrState) -> float:
        """Coefficient of variation of the recent per-transfer throughputs (0 with fewer than two)."""
        recent = _cv(tuple(s.kbps for s in self.samples(state, SPREAD_WINDOW) if s.kbps > 0))
        return max(recent, self._spread.cv) if self.long_memory else recent

    def reserve_s(self, state: AbrState) -> float:
        room = max(state.buffer_capacity_s - state.segment_duration_s, 0.0)
        return min(self.fraction * room, self.base_s + self.spread_s * self.variability(state))

    def choose(self, state: AbrState) -> Decision:
        if state.phase is Phase.AFTER_SEEK:
            self._peak_s, self._started_at = state.buffer_s, self._completed
        kbps = self.predict(state)
        if kbps is None:
            return Decision(rung=0)
        rung = self.pick(state, kbps)
        if self._refetch_cap is not None:
            rung = min(rung, self._refetch_cap)
        last = state.last_rung
        if last is not None and rung > last and self._ceiling is None:
            rung = self.damp(state, kbps, rung, last)
        if self.spending_reserve(state):
            rung = self.first_safe(state, kbps, rung)
        if last is not None and rung > last and state.bitrates_kbps[rung] > kbps and self.filling(state):
            rung = max(last, self.carried(state, kbps, rung))
        if rung == 0 and self._refetch_cap is None and self.floor_allows(state, kbps):
            rung = 1
        if last is not None and rung == last + 1 and self.rising(state, kbps):
            rung = max(rung, self.after_rise(state, kbps))
        if last is not None and rung > last:
            rung = self.stayable(state, kbps, rung, last)
        self._predicted = kbps
        return Decision(rung=rung)

    def rising(self, state: AbrState, kbps: float) -> bool:
        """Whether the last transfer ran at ``rise`` × the estimate or more, with the buffer not spending the
        reserve (``spending_reserve``), no refetch capped, and a buffer that is not deep (under
        ``rise_depth_s``): the link has risen and the estimate lags it (rule 12)."""
        if self.rise <= 0 or kbps <= 0 or not state.history or state.buffer_capacity_s >= self.rise_depth_s:
            return False
        if self._refetch_cap is not None or self.spending_reserve(state):
            return False
        return state.history[-1].kbps >= self.rise * kbps

    def after_rise(self, state: AbrState, kbps: float) -> int:
        """The rung the plan picks at the estimate raised by ``rise_boost`` (at most the last transfer's rate),
        capped at the rung that rate carries (rule 12)."""
        boosted = min(state.history[-1].kbps, self.rise_boost * kbps)
        return min(self.carried(state, boosted, state.rungs - 1), self.pick(state, boosted))

    def filling(self, state: AbrState) -> bool:
        """Whether a climb into a rung the estimate does not carry waits (rule 11): the buffer is not yet
        within ``fill_segments`` segments of full, that level lies above the reserve (at 10 s with 3-4 s
        segments it does not), and at least ``FILL_END`` buffers of media are left to spend the fill on."""
        full = self.fill_level(state)
        if self.fill_segments <= 0 or state.buffer_s >= full or full <= self.reserve_s(state):
            return False
        return self.fill_spent(state)

    def fill_level(self, state: AbrState) -> float:
        """The buffer level rule 11 waits for, ``fill_segments`` segments short of capacity; where it lies under
        the reserve, rule 16 holds climbs instead."""
        return state.buffer_capacity_s - self.fill_segments * state.segment_duration_s

    @staticmethod
    def fill_spent(state: AbrState) -> bool:
        """Whether at least ``FILL_END`` buffers of media are left, so that a fill waited for is spent."""
        left = state.segments_left()
        return left is None or left * state.segment_duration_s >= FILL_END * state.buffer_capacity_s

    def stayable(self, state: AbrState, kbps: float, rung: int, last: int) -> int:
        """How far a climb from ``last`` to ``rung`` goes at a small buffer (rule 16): where rule 11's level
        lies under the reserve, a climb into a rung above the estimate that is ``big_step`` × the rung below
        or more waits for a full buffer (one segment short of capacity, where the downloader waits), and
        even then is taken only if, at the estimate, the stay there lasts ``stay_segments`` segments before
        the buffer falls from full to the reserve; otherwise the climb stops a rung lower (repeatedly).  It
        comes last, so it may also hold a climb that rule 12 lengthened."""
        if self.stay_segments <= 0 or not self.fill_spent(state):
            return rung
        seg, reserve = state.segment_duration_s, self.reserve_s(state)
        if self.fill_level(state) > reserve:
            return rung  # rule 11's ground
        full = state.buffer_capacity_s - seg
        is_full = state.buffer_s >= full - 1e-9  # the downloader waited there: the level is full to the float
        stay_kbps = kbps * (1.0 + max(full - reserve, 0.0) / (self.stay_segments * seg))
        rates = state.bitrates_kbps
        while rung > last and rates[rung] > kbps and rates[rung] >= self.big_step * rates[rung - 1]:
            if is_full and rates[rung] <= stay_kbps:
                break
            rung -= 1
        return rung

    @staticmethod
    def carried(state: AbrState, kbps: float, rung: int) -> int:
        """The highest rung up to ``rung`` whose bitrate ``kbps`` carries (the lowest if none)."""
        return max((r for r in range(rung + 1) if state.bitrates_kbps[r] <= kbps), default=0)

    def first_safe(self, state: AbrState, kbps: float, rung: int) -> int:
        """The highest rung up to ``rung`` whose next download does not outlast the buffer at the estimate
        lowered by the largest recent over-prediction (rule 8 of the module docstring)."""
        low = kbps / self.error_bound()
        while rung > 0 and not _fits(state, low, rung):
            rung -= 1
        return rung

    def spending_reserve(self, state: AbrState) -> bool:
        """Whether the buffer is under ``robust_first`` × the reserve, where rules 8 and 10 apply."""
        return state.buffer_s < self.robust_first * self.reserve_s(state)

    def error_bound(self) -> float:
        """1 + the largest over-prediction of the last five completed transfers: the estimate divided by
        it is what rules 8 and 10 check against."""
        return 1.0 + max(self._errors, default=0.0)

    def floor_allows(self, state: AbrState, kbps: float) -> bool:
        """Whether rung 1 may replace the lowest rung (rule 9): the buffer is deep, rung 1 is open, and its
        download at the estimate leaves ``floor_keep`` of the buffer filled (``floor_keep=0`` turns the
        rule off)."""
        capacity = state.buffer_capacity_s
        if self.floor_keep <= 0 or capacity < self.floor_depth_s or state.rungs < 2 or self._ceiling == 0:
            return False
        return _fits(state, kbps, 1, keep_s=self.floor_keep * capacity)

    def damp(self, state: AbrState, kbps: float, rung: int, last: int) -> int:
        """How far up from ``last`` towards ``rung`` the player goes: as far as the plan also goes at an
        estimate lower by the margin, or it stays where it is.  With ``recover``, for two downloads after
        an abandonment, the climb back up to the rung abandoned needs only the margin without the falls term
        (rule 10's term stays): a brief dip followed by the link's old rate is not a link that falls often
        (on 8 Mbit/s with 1.5 s dips at 10 s a large falls term otherwise kept it at 3.0 Mbit/s on average
        instead of 4.7).  On a session rule 15 calls swinging, the climb goes at least as far as the slowest
        of the last ``SWING_WINDOW`` transfers carries."""
        margin = self.margin(state)
        if margin <= 0:
            return rung
        damped = max(last, min(rung, self.pick(state, kbps * (1.0 - margin))))
        if self.recover and self._recover_to is not None and damped < min(rung, self._recover_to):
            free = self.pick(state, kbps * (1.0 - self.margin(state, falls=False)))
            damped = max(damped, min(rung, self._recover_to, free))
        if damped < rung and self.swinging(state):
            rates = [s.kbps for s in self.samples(state, SWING_WINDOW)]
            if len(rates) >= 3:
                damped = max(damped, min(rung, self.carried(state, min(rates), rung)))
        return damped

    def swinging(self, state: AbrState) -> bool:
        """Whether rule 15 applies: a buffer under ``swing_depth_s`` and a session in which ``swing_flips`` or
        more of the consecutive completed transfers (ten pairs at least) flipped, one at over ``FLIP_FACTOR`` ×
        the other's rate."""
        if self.swing_flips <= 0 or state.buffer_capacity_s >= self.swing_depth_s or self._pair_count < SWING_PAIRS:
            return False
        return self._flip_count >= self.swing_flips * self._pair_count

    def margin(self, state: AbrState, *, falls: bool = True) -> float:
        """How much lower an estimate an up-switch must survive: ``up_margin`` × the share of the buffer's
        room one segment takes, the buffer an up-switch that does not hold costs (0.1 at 10 s with 4 s
        segments, 0.03 at 25 s: a large buffer absorbs a wrong step, a small one reverses it), plus the
        falls term once the climb is done (``falls=False``: without it); never less than
        ``min_margin``, the estimate's own noise, which a deep buffer does not make smaller (session 11:
        at 60 s the margin was 1-2 %, and on Puffer the player stepped up and back at every wobble), nor,
        with a buffer of ``flip_depth_s`` or more, than ``flip_margin`` × ``flips`` (rule 14).  With
        a deep buffer under the reserve, at least 1 − 1/``error_bound()``, the estimate's largest recent
        over-prediction as a margin (rule 10; with ``falls=False`` too)."""
        seg = state.segment_duration_s
        share = seg / max(state.buffer_capacity_s - seg, seg)
        drops = self.drops(state) if falls and self.climb_done(state) else 0.0
        flips = self.flips(state) if state.buffer_capacity_s >= self.flip_depth_s else 0.0
        floor = max(self.min_margin, self.flip_margin * flips)
        margin = max(floor, self.up_margin * share + self.margin_drop * drops * share ** 2)
        bound = self.error_bound()
        if bound > 1.0 and state.buffer_capacity_s >= self.robust_climb_s and self.spending_reserve(state):
            margin = max(margin, 1.0 - 1.0 / bound)  # the reserve is worked out only when there is an error
        return margin

    @staticmethod
    def flips(state: AbrState) -> float:
        """The share of consecutive recent transfers (the last ``FLIP_WINDOW`` completed) of which one ran at
        over ``FLIP_FACTOR`` × the other's rate: how often the link halves or doubles from one transfer to
        the next (0 with fewer than ``FLIP_MIN`` transfers).  Unlike the coefficient of variation it does not
        count a level change, which is one flip however deep (rule 14)."""
        rates = _recent_rates(state, FLIP_WINDOW)
        if len(rates) < FLIP_MIN:
            return 0.0
        return sum(1 for a, b in zip(rates, rates[1:]) if _is_flip(a, b)) / (len(rates) - 1)

    def climb_done(self, state: AbrState) -> bool:
        """Whether the startup climb is over (always, without ``climb_first``): once a download completed at
        the rung the link's mean so far carries, the falls term of the margin applies.  Before that it held
        a link swinging 3.0/1.8 Mbit/s at 1.75 Mbit/s for a whole session at 10 s, and on Puffer and hsdpa
        it slowed the climb 3-5 fold (abr/README.md, session 8)."""
        if not self.climb_first or self._climbed:
            return True
        mean_kbps = self._link_bits / 1000.0 / self._link_s if self._link_s > 0 else 0.0
        self._climbed = self._completed > 0 and self._top_rung >= self.carried(state, mean_kbps, state.rungs - 1)
        return self._climbed

    def drops(self, state: AbrState) -> float:
        """Mean relative fall between consecutive recent transfers, each capped at ``FALL_CAP`` (a rise
        counts as 0): how often and how far the link lets a step up down.  A link that improves has no
        falls, so unlike the coefficient of variation it does not hold back the climb (session 6's cv
        term did); the cap keeps one deep, brief dip (which abandonment handles) from counting like a
        link that falls every other segment."""
        rates = _recent_rates(state, SPREAD_WINDOW)
        falls = [min(FALL_CAP, max(0.0, 1.0 - b / a)) for a, b in zip(rates, rates[1:])]
        return sum(falls) / len(falls) if falls else 0.0

    def pick(self, state: AbrState, kbps: float) -> int:
        """The plan's first rung for the estimate ``kbps`` (and, while starting, the rung the link carries)."""
        reserve = self.reserve_s(state)
        building = self._peak_s < reserve and self._completed - self._started_at < self.startup_segments
        goal, price = min(reserve, self._peak_s) if building else reserve, self.price
        worth = self.worth * kbps / 1000.0 / state.segment_duration_s
        top = state.rungs - 1 if self._ceiling is None else self._ceiling

        def terminal(b: float) -> float:
            return worth * min(b, reserve) - price * max(0.0, goal - b)

        horizon = self.plan_horizon(state)
        rung = best_plan(state, kbps, horizon=horizon, rungs=range(top + 1),
                         switch_penalty=self.switch_weight, stall_event_penalty=self.stall_event,
                         terminal=None if self.plans_to_the_end(state, horizon) else terminal,
                         flat_above=max(reserve, goal)).first_rung
        if self.startup and (building or len(state.history) <= 1) and self._ceiling is None:
            rung = max(rung, self.startup_rung(state, kbps / (1.0 + self.variability(state))))
        return rung

    def plans_to_the_end(self, state: AbrState, horizon: int) -> bool:
        """Whether the plan's horizon reaches the video's last segment (rule 17): then the buffer it leaves
        guards no later download, and the plan is scored without the reserve's terminal value."""
        left = state.segments_left()
        return self.spend_at_end and left is not None and left <= horizon

    def plan_horizon(self, state: AbrState) -> int:
        """Segments the plan looks ahead: half the buffer, ``horizon`` at least and ``horizon_max`` at most.  A
        deep buffer's level moves slowly, and five segments (20 s) see little of a 60 s one: the plan then
        switched at every turn of the estimate (on Puffer at 60 s, 8 segments: QoE_lin +0.08, QoE_log +0.08,
        switches 44 -> 32 per 150); at 25 s a longer plan scored lower (fcc+hsdpa, 6-8 segments)."""
        half = round(state.buffer_capacity_s / (2.0 * state.segment_duration_s))
        return max(self.horizon, min(self.horizon_max, half))

    def startup_rung(self, state: AbrState, kbps: float) -> int:
        """The highest rung the link carries (bitrate ≤ ``kbps``) whose download does not outlast the
        buffer: until the reserve is first built, quality follows the link, as dash.js and Shaka do."""
        rung = 0
        for r in range(1, state.rungs):
            if state.bitrates_kbps[r] <= kbps and _fits(state, kbps, r):
                rung = r
        return rung

    def on_download(self, state: AbrState, result: DownloadResult) -> None:
        transfer = result.seconds - result.latency_s
        if result.abandoned:
            if transfer > 0 and result.bits > 0:
                self._partials.append((self._completed, Sample(bits=result.bits, seconds=transfer,
                                                                  latency_s=result.latency_s)))
            kbps = result.bits / 1000.0 / transfer if transfer > 0 else 0.0
            self._spread.add(kbps)
            self._count_link(result.bits, transfer)
            if not self.swinging(state):  # rule 15: on a swinging link the refetch is planned on the estimate
                self._refetch_kbps = kbps if self._refetch_kbps is None else min(kbps, self._refetch_kbps)
            to = result.rung - 1 if result.abandon_to is None else result.abandon_to
            self._refetch_cap = to if self._refetch_cap is None else min(to, self._refetch_cap)
            self._recover_to, self._recover_left = max(result.rung, self._recover_to or 0), RECOVER_DOWNLOADS
            if self.hold > 0:  # hold=0: no ceiling at all (it would never be lifted)
                self._ceiling = max(result.rung - 1, 0)
                self._hold_left = self.hold
            return
        self._refetch_kbps = self._refetch_cap = None
        self._peak_s = max(self._peak_s, result.buffer_s)
        if self._hold_left > 0:
            self._hold_left -= 1
            if self._hold_left == 0:
                self._ceiling = None
        self._completed += 1
        self._top_rung = max(self._top_rung, result.rung)
        self._recover_left -= 1
        if self._recover_to is not None and (result.rung >= self._recover_to or self._recover_left <= 0):
            self._recover_to = None
        self._count_link(result.bits, transfer)
        if transfer > 0:
            self._spread.add(result.bits / 1000.0 / transfer)
            self._count_flip(result.bits / 1000.0 / transfer)
            if self._predicted is not None and result.bits > 0:
                self._errors = [*self._errors, max(0.0, self._predicted * transfer * 1000.0 / result.bits - 1.0)][-WINDOW:]
        self._partials = [(at, s) for at, s in self._partials if self._completed - at < SPREAD_WINDOW]

    def _count_flip(self, kbps: float) -> None:
        if kbps > 0:
            if self._last_kbps is not None:
                self._pair_count += 1
                self._flip_count += _is_flip(self._last_kbps, kbps)
            self._last_kbps = kbps

    def _count_link(self, bits: float, transfer: float) -> None:
        if transfer > 0 and bits > 0:
            self._link_bits += bits
            self._link_s += transfer

    def rides_out(self, state: AbrState, progress: Progress) -> bool:
        """Whether a late transfer is left to finish (rule 13): a segment or more is still buffered
        (``abandon_segments``) and the link swings (variability of ``abandon_cv`` or more)."""
        return (self.abandon_segments > 0 and progress.buffer_s >= self.abandon_segments * state.segment_duration_s
                and self.variability(state) >= self.abandon_cv)

    def abandon(self, state: AbrState, progress: Progress) -> Decision | None:
        if self.rides_out(state, progress):
            return None
        deep = max(1.0, progress.buffer_s / DEEP_S)
        decision = abandon_late_segment(state, progress, max(MEASURE_S, self.patience * progress.buffer_s ** 2 * deep))
        if decision is None or decision.rung >= progress.rung - 1 or not self.swinging(state):
            return decision
        kbps = self.predict(state)  # rule 15: one rung down, if its download fits the buffer at the estimate
        step = progress.rung - 1
        if kbps and _fits(state, kbps, step, buffer_s=progress.buffer_s):
            return Decision(rung=step, abandon=True)
        return decision


def _fits(state: AbrState, kbps: float, rung: int, *, keep_s: float = 0.0, buffer_s: float | None = None) -> bool:
    """Whether the next segment at ``rung`` downloads at ``kbps`` (request latency included) with
    ``keep_s`` of the buffer (``buffer_s``, the state's when not given) still left when it lands."""
    buffered = state.buffer_s if buffer_s is None else buffer_s
    return (state.latency_s or 0.0) + state.segment_bits(0, rung) / (kbps * 1000.0) + keep_s <= buffered


@functools.lru_cache(maxsize=16)
def _cv(rates: tuple[float, ...]) -> float:
    """Coefficient of variation of ``rates`` (0 with fewer than two), exact.  Cached: ``statistics`` computes
    in fractions, and a transfer's progress checks (rule 13) ask it every tick with the same samples."""
    return statistics.pstdev(rates) / statistics.fmean(rates) if len(rates) >= 2 else 0.0


def _is_flip(a_kbps: float, b_kbps: float) -> bool:
    """Whether one of two consecutive transfers ran at over ``FLIP_FACTOR`` × the other's rate (rules 14, 15)."""
    return max(a_kbps, b_kbps) > FLIP_FACTOR * min(a_kbps, b_kbps)


def _recent_rates(state: AbrState, window: int) -> list[float]:
    """The rates of the last ``window`` completed transfers that moved data, oldest first (rules 5 and 14)."""
    return [s.kbps for s in state.history[-window:] if s.kbps > 0]
