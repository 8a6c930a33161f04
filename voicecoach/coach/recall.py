"""What the coach says from the user's history (``CoachConfig.progress``, see progression.py).

A returning user is greeted with their last session and today's target (and, after a pain or
dizziness halt last time, the safety advice again); "how many reps?" before the twisting says
why today's target is what it is; "how am I doing?" answers from the history. Without a
history (``--no-history``) the coach says what it always said.
"""

from __future__ import annotations

from voicecoach.coach.progression import Progress, SessionSummary
from voicecoach.coach.steps import Steps

BEFORE_TWISTING = frozenset({"idle", "start_check", "safety", "safety_check", "safety_confirm",
                             "cleared_check", "setup", "explain"})


class Recall(Steps):
    """The history-aware lines, kept apart from the dialogue steps."""

    def _greet(self) -> None:
        progress = self.config.progress
        if progress is None or progress.last is None:
            self._say("greeting")
            return
        caution = ""
        if progress.caution:
            # the loader strips each variant: the space before the next sentence is added here
            feeling = self._feeling(progress.caution)
            caution = self._render("progress.caution", feeling=feeling) + " "
        self._say("greeting.returning", last=self._last_session(progress.last),
                  plan=self._plan(progress), caution=caution)

    def _last_session(self, last: SessionSummary) -> str:
        if last.unwell:
            return self._render("progress.last.unwell", twists=last.twists,
                                feeling=self._feeling(last.unwell))
        if last.outcome == "finished":
            return self._render("progress.last.finished", twists=last.twists)
        return self._render("progress.last.stopped", twists=last.twists)

    def _plan(self, progress: Progress) -> str:
        if self.config.minutes:
            return self._render("progress.plan.minutes", minutes=self.config.minutes)
        reason = progress.reason if self.config.target == progress.target else "set"
        return self._render(f"progress.plan.{reason}", target=self.config.target)

    def _feeling(self, unwell: str) -> str:
        return self._render(f"progress.feeling.{unwell}")

    def _ask_ask_reps(self, text: str) -> None:
        super()._ask_ask_reps(text)
        progress = self.config.progress
        if (progress is not None and progress.last is not None and not self.config.minutes
                and self.step in BEFORE_TWISTING):
            self._say("progress.reps", remember=False, plan=self._plan(progress))

    def _ask_ask_progress(self, text: str) -> None:
        progress = self.config.progress
        if progress is None:
            self._say("progress.off", remember=False)
        elif progress.last is None:
            self._say("progress.first", remember=False, target=self.config.target,
                      **self._dose())
        else:
            self._say("progress.summary", remember=False, sessions=progress.sessions,
                      finished=progress.finished, best=progress.best,
                      last=self._last_session(progress.last))
        if self.step in ("pacing", "paused") and not self.config.minutes:
            self._say("progress.today", remember=False, count=min(self.counts.values()),
                      target=self.config.target)
