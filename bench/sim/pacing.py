"""A discrete-event simulation of awsconf's adaptive pacing (runtime/src/fetch/pace.rs)
at fleet scale: N processes, each with CALLS Parameter Store calls, start within
JITTER seconds of each other and share one token bucket (40 calls per second, one
second of burst: AWS's default quota); successful calls queue in a single-server
moto. It prints, per fleet size, how long the last process took against the quota
bound (calls - burst) / rate and the throttled calls against the answered ones.

Secrets are not modelled: the benchmark's "answered" also counts each instance's
secret reads, so its throttled/answered ratio is lower than the one printed here.

A design aid for choosing pace.rs's constants (kept in step with them by hand), not
a test: the fleet benchmark (`scripts/bench.sh --fleet-only`) measures the real code.

    python3 -m pip install simpy
    python3 bench/sim/pacing.py [--jitter 0.05] [--sizes 10,50,200] [--seeds 1,2,3] [--set NAME=VALUE ...]

Candidate rules compared for #24 (seeds 1 and 2, last ready / target, throttled / answered
Parameter Store calls at N = 10, 50, 200):

- the old rule (INITIAL_WINDOW=4 FIRST_PACED_RATE=0.5 DECREASE=0.6 GROWTH_FLOOR=1
  QUIET_DOUBLING=0.5 FIRST_PHASE_FULL=0): 0.58-0.69, 0.90-1.02, 0.90-0.91 of the target;
  34, 335-353, 2365-2453 throttled. Two round trips on a quiet account.
- the same with the whole load at once (INITIAL_WINDOW=10): N = 10 misses (1.70), 61, 681-694,
  3550-3612 throttled. The first burst alone throttles 10 N - 40 calls.
- + the first paced call anywhere in the first interval (FIRST_PHASE_FULL=1): N = 10 at 1.12.
- + FIRST_PACED_RATE=0.8, no floor bump (GROWTH_FLOOR=0), QUIET_DOUBLING=1, DECREASE=0.5 (chosen):
  0.93-0.95, 0.79-0.80, 0.85-0.90 of the target; 60, 569-587, 3420-3441 throttled.
- slower rules (GROWTH=0.1, no streak boost, no quiet doubling) throttle a little less (554 at
  N = 50) and miss the time targets (1.66 at N = 50).

A fleet's refresh after one change event (--set CALLS=1, N = 100 and 500; target 1.5 x bound
+ 2 s = 4.25 s and 19.25 s): after the spread first cut, cohorts throttled together resend
together one interval apart, and N = 500 takes 28.9 s. Spreading the event's refresh at
random over 1-1.5 s first does not help N = 500 (24 s). Re-issuing a lone call (nothing else
of the process in flight or waiting) up to half an interval early at random (CUT_JITTER=0.5,
CUT_JITTER_LONE=1, chosen) gives 3.0-3.3 s and 12.3 s; applied to every cut it also speeds
up the load fleets' calls and N = 50 misses its target (1.02-1.09).

No rule that sends a 10-call load at once keeps N = 50's throttled calls below its answered
ones (550 with the secrets): the first burst already costs 460, and the best pacing after it
another 90 or more.

Tried again in the next session (seeds 1 and 2; last ready / target at N = 10, 50, 200;
throttled Parameter Store calls at N = 50 and 200 against 550 and 2,200 answered with the
secrets):

- the first paced rate from the answers alone, floor MIN_RATE (FIRST_OK_FACTOR=1
  FIRST_PACED_RATE=0.2): 2.63-2.72, 0.85-1.01, 0.84-0.90; 528-536, 3263-3329. A fleet started
  together is throttled before most answers arrive, so most processes see none and start at
  the floor: N = 10 takes 7.5 s.
- the same without quiet doubling (QUIET_DOUBLING=1e6): 5.5, 1.7-1.8, 0.96-0.99; 494-499,
  2644-2682. The fewest throttled calls of any rule, and still above N = 200's answered ones.
- QUIET_DOUBLING=2, FIRST_PACED_RATE=0.5, GROWTH=0.2, STREAK_BOOST=1.2, one at a time: none
  below 520 at N = 50 or 3,300 at N = 200; all but the last miss N = 10's time.
- wait for the whole first burst to come back, then pace at K times its answers (K = 1 or
  0.5, floor MIN_RATE): 2.5-2.9, 0.93-1.06, 0.88-0.91; 520-537, 3163-3299. Processes that
  start a few ms apart are answered all or nothing (the first four take the 40 tokens), so
  a process's own answers say nothing about the fleet's size.

- FIRST_PACED_RATE=1.6 (chosen: the fleet benchmark's N = 10 took 2.1-3.8 s against its 2.8 s
  target at 0.8, and the simulation's seeds 4 and 5 of N = 50 took 18 s against 14.8 s):
  N = 10 0.54-0.94 (seeds 1-6), N = 50 0.83-0.97 (seeds 1-7), N = 200 0.85-0.90; 614-629 and
  3517-3564 throttled (about 5% more than at 0.8).

Tried in a third session: TCP's congestion avoidance after the second throttling (CA_AFTER=2:
the first is the fleet signal, the second says the paced rate is too high), seed 1, N = 50 and
200, last ready / target and throttled:
- additive growth per answer (CA_GROWTH=0.01 or 0.03, cut x0.5): 1.63-1.65 and 1.22-1.28 of
  the target; 537-540 and 2,815-2,870 throttled (N = 50 below its 550 answered, N = 200 not).
- a small multiplicative growth (CA_MULT=0.05; 0.1 with a x0.7 cut): 1.50 and 1.00; 598 and
  3,214 / 3.03 and 1.17; 541 and 2,780.
  Processes cut to the floor early stay there (one answer every 5 s grows them by almost
  nothing) while others finish: fewer throttled calls, and the last process misses the time
  target. The time target wants fast growth, and fast growth overshoots the quota.

So the rule keeps its shape: the first burst costs 10 N - 40 throttled calls, which is below
the answered ones only up to N of about 50; after it, the pacing adds 90 to 1,500 more. The
only way to fewer is a smaller first window, which costs a quiet account its one round trip
(the old rule: 2 round trips, 335-353 and 2365-2453 throttled).

Tried in a fourth session (seeds 1 and 2; last ready / target at N = 10, 50, 200; throttled
Parameter Store calls at N = 50 and 200):
- growth in time rather than per answer once paced (the rate x e^(g t) between cuts, so a
  process cut to the floor grows as fast as the others; g = 0.05-0.2 per second, plus 0-0.3 per
  second for each answer of the streak): 0.84-1.92, 0.89-1.75, 0.85-1.00; 522-630 and
  2,924-4,599. The fewest throttled calls come with N = 10 at 1.9 of its target.
- the first paced rate at or near the floor (0.2-0.4 per second; N = 200 needs 0.2) with the first paced
  call within 0.25-1 s: N = 10 at 1.08-3.29 of its target; 565-615 and 3,233-3,545.
- slower quiet doubling (every 2 or 4 s) or slower growth per answer (0.15): 568-607 and
  3,172-3,469, with N = 50 at 0.90-1.13 of its target.
Why no rule can do much better: after the first burst a process knows only that it is in a
fleet, not its size. The rate each needs spans 33x (6.7 calls per second at N = 10, 0.2 at
N = 200), and a throttled call is the only answer that says "too fast". Finding the rate
within 20% by halving the range costs about 4 answers, half of them throttled: some 2 throttled
calls per process, 400 at N = 200, while the simulation's budget after the burst is 240
(2,200 answered with the secrets - 1,960) and the benchmark's about 790 (its answered count
also has the secrets read with GetSecretValue after a throttled batch). Starting low costs
N = 10 its time target instead, since a process can only speed up one answer at a time.

Tried in a fifth session: what if the process knows how many may start together
(`Pacing::Fleet(N)`, --set FLEET=N)? The first burst still goes at once, so a process alone
keeps its one round trip; at the first throttling each process paces at its share of the
quota among the processes the burst left throttled, RATE / (N - BURST / C) with C its own
burst, and answers do not grow it (seeds 1-5; last ready / target at N = 10, 50, 200;
throttled Parameter Store calls at N = 50 and 200; processes' first calls arriving together):
- that share, kept at a later throttling (chosen: FLEET_DECREASE=1,
  FLEET_CUTS=1, FLEET_IDLE=2): 0.55-0.56, 0.79-0.85, 0.83-0.89; 461-468 and 1,963-1,973: the
  first burst's throttling and almost nothing after it, below 550 and 2,200 answered.
- the same with a later throttling cutting the share x0.9: 0.60-0.62, 0.88-0.94, 0.92-0.98
  (the few processes cut become the last; the fleet benchmark's N = 200 took 57.4-59.5 s
  against its 59.8 s target); without FLEET_CUTS (the share kept throughout), a fleet of 200
  told 50 is throttled 3,542-3,608 times at 1.25 of the target.
- RATE / N instead (the burst's answered processes counted as throttled): N = 10 at 0.99-1.01
  and N = 50 at 0.91-0.98 of the target; a 0.9 or 0.8 share of it: up to 1.26 of the target.
- any growth per answer (GROWTH=0.03 or 0.1): N = 200 overshoots the quota, 2,112-2,412
  throttled and 1.13-1.37 of the target.
- a later throttling halving the share (FLEET_DECREASE=0.5): 1.56-1.70 of the target.
- a fleet told too few (FLEET=50 or 100 at N = 200): the adaptive rule takes over at the
  second later throttling, 0.85-0.92 of the target and 2,962-3,332 throttled (the adaptive
  rule's figures).
- the fleet benchmark's processes, tasks of one runtime, reach AWS interleaved, so the burst's
  40 answers go to many processes (CALL_SKEW=0.05 models it): at the share above, N = 50 took
  1.09-1.16 of its target (the benchmark: one of three starts 17.6 s against 14.8 s): every
  process paced for 10 calls where most had 9 left, the fleet asked 43.5 calls per second of
  40, and the processes throttled twice more fell to the adaptive rule. Chosen instead
  (FLEET_BURST_ANSWERS=1): the rate that sends what is left of the process's own burst in the
  time the quota needs for the fleet's, RATE x (C - answered) / (N x C - BURST), shrinking
  with each answer of the burst: 0.57-0.77, 0.78-0.86, 0.82-0.90 with CALL_SKEW=0.05 and
  0.61-0.62, 0.79-0.85, 0.82-0.91 with 0.2; 462-470 and 1,962-2,020 throttled. Unchanged
  without skew (a throttled process then has all C left).
- a fleet told too many (FLEET=200 at N = 10 and 50): each throttled process keeps the
  200-fleet's pace, 49-53 s (17 and 3.5 times the target), as long as the fleet it was told of.

A fleet that knows it is one can spread its starts instead (`--jitter`, the loader's
`.start_jitter(..)`), over the quota bound that `cost --instances N` prints: seeds 1 and 2,
--jitter 11.5 at N = 50 and 49 at N = 200: 0.84-0.91 and 0.89-0.96 of the time target,
86-291 and 1,389-1,715 throttled (below 550 and 2,200 answered). The fleet benchmark runs
that setting beside the default.
"""
import argparse
import math
import random

import simpy

# AWS's default Parameter Store quota, and the load's shape.
RATE, BURST = 40.0, 40.0
CALLS = 10
MOTO_SERVICE = 0.010  # seconds per answered call, uniform in 0.5x..1.5x
THROTTLE_LATENCY = 0.003
DEADLINE = 0.9 * 120.0
# How far apart a process's first calls reach AWS (0: together): the fleet benchmark's
# processes, tasks of one runtime on 2 cores, reach it interleaved, so the first burst's
# answers go to many processes, not to the first few.
CALL_SKEW = 0.0  # 90% of the default .timeout(2 min)

# pace.rs's constants.
INITIAL_WINDOW = 10  # the whole load (the loader's concurrency) at once
MAX_WINDOW = 10
FIRST_PACED_RATE = 1.6
MIN_RATE = 0.2
DECREASE = 0.5
GROWTH = 0.3
GROWTH_FLOOR = 0.0
STREAK = 2
STREAK_BOOST = 1.5
STREAK_BOOST_MAX = 6
QUIET_DOUBLING = 1.0
PHASE_MAX = 0.25
UNPACED_RATE = 1000.0
BACKOFF_BASE, BACKOFF_CAP = 0.1, 1.0
RECHECK = 0.025
# Candidate rules (see --set): the first cut's rate is FIRST_OK_FACTOR times the
# answers of the last second; FIRST_PHASE_FULL spreads the first paced call over
# the whole interval instead of PHASE_MAX.
FIRST_OK_FACTOR = 2.0
FIRST_PHASE_FULL = True
# After a later cut, the next call one interval from now less up to CUT_JITTER of it (0: one
# interval after the last paced call, or a random point of PHASE_MAX if later).
CUT_JITTER = 0.5  # pace.rs's LONE_JITTER
CUT_JITTER_LONE = True  # only for a lone call (none other in flight or waiting)
# Congestion avoidance (TCP's, after a loss): from the CA_AFTER-th throttling on, each
# answer adds CA_GROWTH calls per second, with no streak boost and no quiet doubling
# (0: off, the multiplicative growth above throughout).
CA_GROWTH = 0.0
CA_MULT = 0.0  # or a share of the rate per answer
CA_DECREASE = 0.5  # the cut while avoiding
CA_AFTER = 2
# Pacing::Fleet(FLEET) (0: off, the adaptive rule): told how many processes may start
# together, the first throttling sets the rate to the quota's share of the processes the
# first burst left throttled, RATE / max(FLEET - BURST / C, 1) with C the calls the process
# had sent; answers do not grow it, later throttlings multiply it by FLEET_DECREASE, and
# it doubles every QUIET_DOUBLING only after FLEET_IDLE intervals without an answer.
FLEET = 0
FLEET_DECREASE = 1.0
FLEET_IDLE = 2.0
FLEET_BURST_ANSWERS = True  # the share shrinks with each of the first burst's answers
FLEET_CUTS = 1  # later throttlings at the share's pace before the adaptive rule takes over


class Bucket:
    def __init__(self, env):
        self.env, self.tokens, self.at = env, BURST, 0.0
        self.ok = self.throttled = 0
        self.moto = simpy.Resource(env, capacity=1)

    def admit(self):
        now = self.env.now
        self.tokens = min(BURST, self.tokens + (now - self.at) * RATE)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            self.ok += 1
            return True
        self.throttled += 1
        return False


class Pacer:
    """pace.rs's `Pacer` and `Slot`, one per process."""

    def __init__(self, env, rng):
        self.env, self.rng = env, rng
        self.window, self.in_flight = int(INITIAL_WINDOW), 0
        self.rate = None
        self.last_start = None
        self.last_cut = None
        self.streak = 0
        self.last_answer = None
        self.cuts = 0
        self.recent_ok = []
        self.started = 0
        self.fleet = bool(FLEET)
        self.unpaced_ok = 0
        self.share_cut = None
        self.share_burst = 0
        self.wake = env.event()
        self.waiting = 0

    def notify(self):
        wake, self.wake = self.wake, self.env.event()
        wake.succeed()

    def avoiding(self):
        return (CA_GROWTH > 0 or CA_MULT > 0) and self.cuts >= CA_AFTER

    def share(self):
        c = max(self.share_burst, 1)
        if not FLEET_BURST_ANSWERS:
            return RATE / max(FLEET - BURST / c, 1)
        left = max(c - self.unpaced_ok, 1)
        return RATE * left / max(FLEET * c - BURST, c)

    def rate_at(self, now):
        if self.rate is None or self.streak == 0 or self.last_answer is None or self.avoiding():
            return self.rate
        if self.fleet:
            quiet = now - self.last_answer - FLEET_IDLE / self.rate
            return self.rate * 2 ** min(max(quiet, 0) / QUIET_DOUBLING, 30)
        return self.rate * 2 ** min((now - self.last_answer) / QUIET_DOUBLING, 30)

    def slot(self, until):
        env = self.env
        self.waiting += 1
        try:
            return (yield from self._slot(until))
        finally:
            self.waiting -= 1

    def _slot(self, until):
        env = self.env
        while True:
            if self.in_flight < self.window:
                now = env.now
                rate = self.rate_at(now)
                at = None if rate is None or self.last_start is None else self.last_start + 1 / rate
                if at is None or at <= now:
                    self.in_flight += 1
                    self.started += 1
                    if self.rate is not None:
                        self.last_start = now
                    return now
                if until is not None and at >= until:
                    return None
                wait = min(at, now + RECHECK) if self.streak > 0 else at
                yield env.timeout(wait - now) | self.wake
                continue
            yield self.wake

    def release(self):
        self.in_flight -= 1
        self.notify()

    def succeeded(self, sent=None):
        now = self.env.now
        if self.rate is None:
            self.unpaced_ok += 1
        elif FLEET_BURST_ANSWERS and self.fleet and self.share_cut is not None and sent is not None and sent < self.share_cut:
            # An answer of the first burst: one call fewer left to pace.
            self.unpaced_ok += 1
            self.rate = self.share()
        self.window = min(self.window + 1, int(MAX_WINDOW))
        self.rate = self.rate_at(now)
        self.last_answer = now
        self.streak += 1
        boost = STREAK_BOOST ** min(max(self.streak - STREAK, 0), STREAK_BOOST_MAX)
        if self.fleet:
            pass
        elif self.rate is not None and self.avoiding():
            self.rate = self.rate + CA_GROWTH + CA_MULT * self.rate
        elif self.rate is not None:
            rate = self.rate + GROWTH * max(self.rate, GROWTH_FLOOR) * boost
            self.rate = rate if rate < UNPACED_RATE else None
        self.recent_ok = [t for t in self.recent_ok if now - t <= 1.0] + [now]
        self.notify()

    def throttled(self, sent):
        now = self.env.now
        if self.last_cut is not None and sent < self.last_cut:
            return
        self.recent_ok = [t for t in self.recent_ok if now - t <= 1.0]
        first = self.rate is None
        self.cuts += 1
        if self.fleet and self.cuts > 1 + FLEET_CUTS:
            self.fleet = False
        if self.fleet and first:
            self.share_cut, self.share_burst = now, self.started
            rate = self.share()
        elif self.fleet:
            rate = self.rate * FLEET_DECREASE
        elif first:
            rate = max(FIRST_OK_FACTOR * len(self.recent_ok), FIRST_PACED_RATE)
        else:
            rate = self.rate * (CA_DECREASE if self.avoiding() else DECREASE)
        self.rate = rate if self.fleet else max(rate, MIN_RATE)
        self.window = max(self.window // 2, 1)
        self.last_cut = now
        self.streak = 0
        interval = 1 / self.rate
        spread = interval if first and FIRST_PHASE_FULL else min(interval, PHASE_MAX)
        from_phase = now + spread * self.rng.random() - interval
        lone = self.in_flight <= 1 and self.waiting == 0
        if CUT_JITTER > 0 and not (first and FIRST_PHASE_FULL) and (lone or not CUT_JITTER_LONE):
            # The next call one interval from now, give or take CUT_JITTER of it.
            self.last_start = now - interval * CUT_JITTER * self.rng.random()
        else:
            self.last_start = from_phase if self.last_start is None else max(self.last_start, from_phase)


def call(env, bucket, pacer, out):
    """pace.rs's `Fetcher::call`: a slot, the call, and re-issues after backoff."""
    attempt = 0
    while True:
        sent = yield env.process(pacer.slot(DEADLINE if attempt else None))
        if sent is None:
            out["failed"] = True
            return
        if attempt == 0 and CALL_SKEW > 0:
            # The first burst's calls reach AWS interleaved with other processes'.
            yield env.timeout(CALL_SKEW * pacer.rng.random())
        ok = bucket.admit()
        if ok:
            with bucket.moto.request() as req:
                yield req
                yield env.timeout(MOTO_SERVICE * (0.5 + pacer.rng.random()))
            pacer.succeeded(sent)
        else:
            yield env.timeout(THROTTLE_LATENCY * (0.5 + pacer.rng.random()))
            pacer.throttled(sent)
        pacer.release()
        if ok:
            return
        wait = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** min(attempt, 16)) * pacer.rng.random()
        if env.now + wait >= DEADLINE:
            out["failed"] = True
            return
        attempt += 1
        yield env.timeout(wait)


def process(env, bucket, rng, jitter, ready):
    pacer = Pacer(env, random.Random(rng.random()))
    yield env.timeout(rng.random() * jitter)
    out = {"failed": False}
    yield simpy.AllOf(env, [env.process(call(env, bucket, pacer, out)) for _ in range(CALLS)])
    ready.append(None if out["failed"] else env.now)


def fleet(n, seed, jitter):
    rng = random.Random(seed)
    env = simpy.Environment()
    bucket = Bucket(env)
    ready = []
    for _ in range(n):
        env.process(process(env, bucket, rng, jitter, ready))
    env.run()
    loaded = sorted(t for t in ready if t is not None)
    bound = (bucket.ok - BURST) / RATE
    return len(loaded), (loaded[-1] if loaded else math.nan), bound, bucket.throttled, bucket.ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,20,50,100,200")
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--jitter", type=float, default=0.005, help="start skew, seconds")
    parser.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE",
        help="override a constant, e.g. --set INITIAL_WINDOW=4 (to compare candidate rules)",
    )
    args = parser.parse_args()
    for kv in args.set:
        name, value = kv.split("=", 1)
        if name not in globals() or not name.isupper():
            parser.error(f"--set: no constant {name}")
        globals()[name] = type(globals()[name])(float(value)) if not isinstance(globals()[name], bool) else value.lower() in ("1", "true")
    for n in (int(s) for s in args.sizes.split(",")):
        for seed in (int(s) for s in args.seeds.split(",")):
            loaded, last, bound, throttled, ok = fleet(n, seed, args.jitter)
            target = 1.2 * bound + 1
            # The benchmark's "answered" also counts each instance's secret reads
            # (at least one call each): throttled must stay below answered + N.
            print(
                f"N={n:4} seed={seed}  loaded {loaded:4}/{n}  last ready {last:6.1f} s  "
                f"target {target:6.1f} s ({last / target:.2f})  throttled {throttled:5} / answered {ok:5} "
                f"(+N secrets: {throttled / (ok + n):.2f})"
            )


if __name__ == "__main__":
    main()
