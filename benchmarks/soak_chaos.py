"""The soak's faults: a background thread that, at random moments and with a fixed seed, replaces each
simulator's fault plan (429s with Retry-After, 5xx, dropped connections, answers lost after a write was applied),
revokes every token a simulator issued, and turns Fusion's edits during paging on or off. What was injected is
counted by the simulators themselves (`FaultPlan.fired_by_kind`); revocations and edits by what they did."""

import random
import threading
from collections import Counter

from ml_connector_dagster.cli.simulators import LocalSimulators
from ml_connector_dagster.fusion.simulator.settings import RuntimeSettings
from ml_connector_dagster.simulation.faults import FaultPlan, FaultRule, FaultSettings

# Kinds as the report names them: what FaultRule.kind says, 5xx statuses together.
THROTTLED, SERVER_ERROR, DROPPED, LOST_ANSWER = "429 (Retry-After)", "5xx", "dropped connection", "lost answer"
REVOKED, EDITED = "token revoked", "row edited during paging"
KINDS = (THROTTLED, SERVER_ERROR, DROPPED, LOST_ANSWER, REVOKED, EDITED)
# Writes go to JAGGAER (Fusion → JAGGAER, NetSuite → JAGGAER) and to Fusion (JAGGAER → Fusion); NetSuite is read.
_WRITE_METHODS = ("POST", "PATCH")


def _kind(fired: str) -> str:
    if fired == "429":
        return THROTTLED
    if fired.isdigit():
        return SERVER_ERROR
    return {"drop": DROPPED, "lost_answer": LOST_ANSWER}.get(fired, fired)


def _random_rules(rng: random.Random, writes: bool) -> list[FaultRule]:
    """A few rules, each firing on the next requests it matches: bounded below the client's six attempts."""
    rules = []
    for _ in range(rng.randint(1, 3)):
        pick = rng.random()
        if pick < 0.35:
            rules.append(FaultRule(status=429, retry_after=round(rng.uniform(0.1, 0.8), 2), times=rng.randint(1, 2)))
        elif pick < 0.6:
            rules.append(FaultRule(status=rng.choice((500, 502, 503, 504)), times=rng.randint(1, 2)))
        elif pick < 0.8:
            rules.append(FaultRule(mode="drop"))
        elif writes:
            rules.append(FaultRule(mode="lost_answer", method=rng.choice(_WRITE_METHODS)))
        else:
            rules.append(FaultRule(mode="lost_answer", method="POST"))
    return rules


class Chaos:
    """Started with the soak's runs, stopped before its final check. `pause_seconds`: the mean time between two
    changes of one simulator's plan."""

    def __init__(self, sims: LocalSimulators, seed: int, pause_seconds: float) -> None:
        self._sims = sims
        self._rng = random.Random(seed)
        self._pause = pause_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="soak-chaos", daemon=True)
        self.revoked = 0
        self._plans: dict[str, tuple[FaultPlan, bool]] = {
            "fusion": (sims.fusion.faults, True),
            "jaggaer": (sims.jaggaer.faults, True),
            "netsuite": (sims.netsuite.faults, False),
        }

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """No more faults: plans emptied, edits off."""
        self._stop.set()
        self._thread.join()
        for plan, _ in self._plans.values():
            plan.replace(FaultSettings())
        self._sims.fusion.update_settings(RuntimeSettings(edits_during_read=0))
        self._sims.jaggaer.settings.edits_during_read = 0

    def fired(self) -> Counter[str]:
        """Faults the simulators served, by kind, and the revocations made."""
        counts: Counter[str] = Counter()
        for plan, _ in self._plans.values():
            for fired, times in plan.fired_by_kind.items():
                counts[_kind(fired)] += times
        counts[REVOKED] = self.revoked
        return counts

    def _run(self) -> None:
        rng = self._rng
        while not self._stop.wait(rng.expovariate(1 / self._pause)):
            pick = rng.random()
            if pick < 0.08:
                self._revoke(rng.choice(list(self._plans)))
            elif pick < 0.18:
                self._sims.fusion.update_settings(RuntimeSettings(edits_during_read=rng.choice((0, 1, 2))))
            else:
                system = rng.choice(list(self._plans))
                plan, writes = self._plans[system]
                plan.replace(FaultSettings(rules=_random_rules(rng, writes)))

    def _revoke(self, system: str) -> None:
        if system == "netsuite":
            self._sims.netsuite.auth.expire_tokens()  # type: ignore[attr-defined]  # SimAuth's own
        else:
            getattr(self._sims, system).tokens.expire_all()
        self.revoked += 1
