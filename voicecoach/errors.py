"""The small error hierarchy of voicecoach: every error a user can cause has a clear message."""


class VoiceCoachError(Exception):
    """Base class of every error voicecoach raises on purpose."""


class DataError(VoiceCoachError):
    """A data file (phrases, responses, coaching script) is missing or malformed.

    The message names the file and, where it can, the key.
    """

    def __init__(self, source: str, key: str | None, problem: str) -> None:
        self.source = source
        self.key = key
        self.problem = problem
        where = f"{source}: {key}" if key else source
        super().__init__(f"{where}: {problem}")


class ScriptError(VoiceCoachError):
    """A session script file (for ``run --script``) cannot be read or parsed."""


class AudioError(VoiceCoachError):
    """Audio input or output failed: no PortAudio, no device, unreadable WAV."""


class RecognizerError(VoiceCoachError):
    """A speech recognizer backend cannot be used (not installed, model missing or broken)."""


class ModelError(VoiceCoachError):
    """A speech model cannot be found, downloaded, verified or installed."""
