"""voicecoach: an offline voice coach for the standing Back Twist stretch."""

__version__ = "0.1.0"
