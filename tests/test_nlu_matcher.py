"""voicecoach.nlu.matcher: tables of utterances, safety precedence, bad input, loader errors.

The tables here and benchmarks/dev/dev_a.tsv are the development set the matcher was tuned
on; benchmarks/dev/dev_b.tsv was written after tuning, as an honest estimate, and is only
checked for shape here. The held-out benchmark (benchmarks/intent_paraphrases.tsv) is only
checked for shape and for not leaking into the phrase data; its accuracy is measured by
``python -m voicecoach.bench intents``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from voicecoach.bench import intents as bench
from voicecoach.data import data_dir
from voicecoach.errors import DataError
from voicecoach.nlu import data as intent_data
from voicecoach.nlu.matcher import (
    CONTAINED,
    HALTING,
    INTENTS,
    MAX_INPUT_CHARS,
    IntentMatch,
    IntentMatcher,
    normalize,
)

REPO = Path(__file__).resolve().parents[1]
BENCHMARK = REPO / "benchmarks" / "intent_paraphrases.tsv"
DEV_FILES = (REPO / "benchmarks" / "dev" / "dev_a.tsv", REPO / "benchmarks" / "dev" / "dev_b.tsv")


@pytest.fixture(scope="module")
def matcher() -> IntentMatcher:
    return IntentMatcher.load("en")


# --- tables -------------------------------------------------------------------------------

DEV_TABLE: list[tuple[str, str]] = [
    # start
    ("start back twist", "start"),
    ("Start the back twist!", "start"),
    ("let's start", "start"),
    ("ok let's begin the back twist", "start"),
    ("can we begin now", "start"),
    ("i wanna do the twist exercise", "start"),
    ("teach me the back twist", "start"),
    ("let's do the back stretch", "start"),
    ("begin twisting", "start"),
    ("um start please", "start"),
    ("let's get going", "start"),
    ("i would like to begin the stretch", "start"),
    ("could we start the exercise please", "start"),
    ("start my routine", "start"),
    # stop
    ("stop", "stop"),
    ("STOP", "stop"),
    ("stop stop stop", "stop"),
    ("stop now", "stop"),
    ("stop, stop now please", "stop"),
    ("that's enough", "stop"),
    ("enough", "stop"),
    ("halt", "stop"),
    ("whoa whoa stop", "stop"),
    ("no no stop", "stop"),
    ("i'm stopping", "stop"),
    ("stop that right now", "stop"),
    ("can you stop please", "stop"),
    ("okay stop the twisting", "stop"),
    ("stopp", "stop"),
    ("i've had enough", "stop"),
    # pain
    ("it hurts", "pain"),
    ("ouch", "pain"),
    ("ow", "pain"),
    ("owwww", "pain"),
    ("this hurts", "pain"),
    ("i think i tweak my lower back", "pain"),  # "tweaked" as Whisper writes it before "my"
    ("i pull something in my back", "pain"),
    ("should i pull my shoulders back", "none"),
    ("my neck hurts", "pain"),
    ("my lower back is sore", "pain"),
    ("i'm in pain", "pain"),
    ("something's hurting", "pain"),
    ("i have a cramp", "pain"),
    ("aching all over", "pain"),
    ("i tweaked my back", "pain"),
    ("that was painful", "pain"),
    ("no it still hurts", "pain"),
    ("i'm not sure but my knee hurts", "pain"),
    ("it kind of hurts but keep going", "pain"),
    ("yes it hurts", "pain"),
    ("what are the precautions for pain", "pain"),
    ("is it supposed to hurt", "pain"),
    ("i hurt my shoulder last year, is this ok", "pain"),
    ("how many reps, my back hurts", "pain"),
    ("it hurst", "pain"),
    # stop
    ("no more", "stop"),
    ("no more twists please", "stop"),
    # dizzy
    ("i feel dizzy", "dizzy"),
    ("I'm dizzy.", "dizzy"),
    ("dizzy", "dizzy"),
    ("i'm getting a bit dizzy", "dizzy"),
    ("feeling lightheaded", "dizzy"),
    ("i feel light-headed", "dizzy"),
    ("the room's spinning", "dizzy"),
    ("i'm going to pass out", "dizzy"),
    ("i think i might faint", "dizzy"),
    ("i feel queasy", "dizzy"),
    ("i'm losing my balance", "dizzy"),
    ("dizziness", "dizzy"),
    ("i'm dizzy and my back hurts", "dizzy"),
    ("stop i'm dizzy", "dizzy"),
    ("i'm feeling a little woozy", "dizzy"),
    ("i feel like i'm gonna fall", "dizzy"),
    ("i'm dizy", "dizzy"),
    # feeling unwell halts like dizziness (the coach's answer: stop, sit down, breathe)
    ("i don't feel well", "dizzy"),
    ("i'm not feeling too good", "dizzy"),
    ("i feel unwell", "dizzy"),
    ("i can't breathe", "dizzy"),
    ("i'm short of breath", "dizzy"),
    ("i need to sit down", "dizzy"),
    ("i feel weak", "dizzy"),
    # pause
    ("hold on", "pause"),
    ("pause", "pause"),
    ("wait", "pause"),
    ("hang on a second", "pause"),
    ("just a moment", "pause"),
    ("give me a sec", "pause"),
    ("can we take a break", "pause"),
    ("i need a rest", "pause"),
    ("let's pause for a minute", "pause"),
    ("pause the twist", "pause"),
    ("wait up please", "pause"),
    ("um hold on a minute", "pause"),
    # resume
    ("keep going", "resume"),
    ("continue", "resume"),
    ("resume", "resume"),
    ("carry on", "resume"),
    ("let's keep going", "resume"),
    ("ok i'm back", "resume"),
    ("back to it", "resume"),
    ("can we continue now", "resume"),
    ("don't stop", "resume"),
    ("please don't stop now", "resume"),
    ("go on with the exercise", "resume"),
    ("unpause", "resume"),
    ("let's get back to it", "resume"),
    # ask_reps
    ("how many reps", "ask_reps"),
    ("how many reps per side", "ask_reps"),
    ("how many times should i do it", "ask_reps"),
    ("how many twists should i do", "ask_reps"),
    ("how many more reps", "ask_reps"),
    ("how many have we done", "ask_reps"),
    ("what number are we on", "ask_reps"),
    ("how many repetitions on each side", "ask_reps"),
    ("um how many reps do i do", "ask_reps"),
    ("how many should i do", "ask_reps"),
    # ask_benefits
    ("what are the benefits", "ask_benefits"),
    ("what are the benefits of this exercise", "ask_benefits"),
    ("what's it good for", "ask_benefits"),
    ("why do i do this", "ask_benefits"),
    ("how does it help my back", "ask_benefits"),
    ("what's the point of this", "ask_benefits"),
    ("does this help my posture", "ask_benefits"),
    ("what will the twist do for me", "ask_benefits"),
    ("benefits", "ask_benefits"),
    ("what do i get out of this exercise", "ask_benefits"),
    # ask_precautions
    ("is this safe", "ask_precautions"),
    ("is it safe", "ask_precautions"),
    ("is the back twist safe for me", "ask_precautions"),
    ("are there any risks", "ask_precautions"),
    ("who shouldn't do this", "ask_precautions"),
    ("can i do this with a bad knee", "ask_precautions"),
    ("i have a bad back, should i do this?", "ask_precautions"),
    ("should i ask my doctor first", "ask_precautions"),
    ("is it risky", "ask_precautions"),
    ("what should i watch out for", "ask_precautions"),
    ("i have arthritis can i do this", "ask_precautions"),
    ("is this okay with osteoporosis", "ask_precautions"),
    ("am i too old for this", "ask_precautions"),
    ("can i hurt myself", "ask_precautions"),  # a risk asked about (stop 22): no halt
    # ask_technique
    ("what do i do with my arms", "ask_technique"),
    ("what should i do with my hands", "ask_technique"),
    ("where should i look", "ask_technique"),
    ("how far do i turn", "ask_technique"),
    ("how fast should i twist", "ask_technique"),
    ("how should i breathe", "ask_technique"),
    ("should i bend my knees", "ask_technique"),
    ("should i keep my back straight", "ask_technique"),
    ("what's the imaginary pole", "ask_technique"),
    ("should i lean forward", "ask_technique"),
    ("do my legs move", "ask_technique"),
    ("am i doing it right", "ask_technique"),
    ("what about my head", "ask_technique"),
    ("how do i stand", "ask_technique"),
    ("should my arms swing", "ask_technique"),
    # ask_duration
    ("how long should i do this", "ask_duration"),
    ("how long", "ask_duration"),
    ("how long does it take", "ask_duration"),
    ("how long is the back twist", "ask_duration"),
    ("how much longer", "ask_duration"),
    ("when are we done", "ask_duration"),
    ("are we finished yet", "ask_duration"),
    ("how many minutes should i do", "ask_duration"),
    # ask_progress (issue 9)
    ("how am i doing", "ask_progress"),
    ("how did i do last time", "ask_progress"),
    ("am i improving", "ask_progress"),
    ("what's my progress", "ask_progress"),
    ("how many did i do last time", "ask_progress"),
    # repeat
    ("say that again", "repeat"),
    ("repeat that", "repeat"),
    ("pardon", "repeat"),
    ("pardon me?", "repeat"),
    ("what did you just say", "repeat"),
    ("could you repeat it", "repeat"),
    ("i didn't hear you", "repeat"),
    ("one more time", "repeat"),
    ("huh", "repeat"),
    ("come again", "repeat"),
    # help
    ("what can i say", "help"),
    ("help", "help"),
    ("help me", "help"),
    ("what are my options", "help"),
    ("what can you do", "help"),
    ("i'm lost", "help"),
    ("i need help", "help"),
    # yes
    ("yes", "yes"),
    ("Yes.", "yes"),
    ("yeah", "yes"),
    ("yep", "yes"),
    ("sure", "yes"),
    ("okay", "yes"),
    ("ok", "yes"),
    ("i'm ready", "ready"),
    ("ready", "ready"),
    ("i feel fine", "yes"),
    ("i'm okay now", "yes"),
    ("i feel better", "yes"),
    ("i feel much better now", "yes"),
    ("i'm fine", "yes"),
    ("i'm all right now", "yes"),
    ("yes i do", "yes"),
    ("yes i have", "yes"),
    ("i haven't exercised in a while", "yes"),
    ("no pain", "yes"),
    ("it does not hurt now", "yes"),
    ("the pain is gone", "yes"),
    ("the pain's gone", "yes"),
    ("the dizziness has passed", "yes"),
    ("uh huh", "yes"),
    ("of course", "yes"),
    ("yup", "yes"),
    ("absolutely", "yes"),
    ("yeah sure", "yes"),
    # no
    ("no", "no"),
    ("nope", "no"),
    ("nah", "no"),
    ("no thanks", "no"),
    ("not yet", "no"),
    ("not really", "no"),
    ("no i don't", "no"),
    ("i'm not ready", "no"),
    ("i don't have any back problems", "no"),
    ("nothing wrong with my back", "no"),
    ("no no", "no"),
    ("i'd rather not", "no"),
    # faster
    ("faster", "faster"),
    ("speed up", "faster"),
    ("go faster", "faster"),
    ("a bit faster", "faster"),
    ("quicker please", "faster"),
    ("too slow", "faster"),
    ("speed it up", "faster"),
    # slower
    ("slower", "slower"),
    ("slow down", "slower"),
    ("go slower", "slower"),
    ("a little slower", "slower"),
    ("too fast", "slower"),
    ("not so fast", "slower"),
    ("slow it down", "slower"),
    ("take it easy", "slower"),
    ("it's too fast", "slower"),
    # skip
    ("next", "skip"),
    ("skip", "skip"),
    ("skip this", "skip"),
    ("skip this step", "skip"),
    ("next step", "skip"),
    ("move on", "skip"),
    ("let's skip", "skip"),
    ("next part please", "skip"),
    # quit
    ("goodbye", "quit"),
    ("bye", "quit"),
    ("quit", "quit"),
    ("exit", "quit"),
    ("i'm done", "quit"),
    ("i'm done for today", "quit"),
    ("end the session", "quit"),
    ("see you tomorrow", "quit"),
    ("i give up", "quit"),
    ("that's all for now", "quit"),
    ("good night", "quit"),
    ("switch off", "quit"),
    # none: out of domain
    ("thank you", "none"),  # not "no thank you": a yes or no is never left out
    ("thanks", "none"),
    ("do i need to sit down", "none"),  # a question, not feeling unwell
    ("i'm stopping by the shop later", "none"),  # to visit, not to stop
    ("stop motion films are fun", "none"),
    ("yes thank you", "yes"),
    ("i feel a bit", "none"),  # not "i feel alright": an answer's point is never left out
    ("i feel", "none"),
    ("i'm a", "none"),
    ("i think so", "none"),  # not "i don't think so": nor is a negation
    ("i want to", "none"),  # "i want to go" cut short: an end is never guessed at
    ("i want to go", "quit"),  # the whole phrase still is
    ("what does this twist no", "ask_benefits"),  # a close phrase, not its last word's "no"
    ("could you pause it for a moment my phone is ringing", "pause"),  # close, then a clause
    ("will this take very long i need to leave soon", "ask_duration"),
    ("next week i'm on holiday", "none"),  # two words are too few to go by spelling
    ("i feel a bit better", "yes"),
    ("im alright thank", "yes"),
    ("not quite mate", "no"),
    ("what's the weather like tomorrow", "none"),
    ("turn on the living room lights", "none"),
    ("turn off the bedroom lamp", "none"),
    ("we missed the bus stop", "none"),
    ("stop playing that song", "none"),
    ("tell me a story", "none"),
    ("how's it going", "none"),
    ("order some chinese food", "none"),
    ("read my email", "none"),
    ("back up my photos", "none"),
    ("the back seat is full of boxes", "none"),
    ("twist and shout", "none"),
    ("a plot twist nobody expected", "none"),
    ("right turn ahead", "none"),
    ("left or right", "none"),
    ("my left shoe is untied", "none"),
    ("volume up", "none"),
    ("skip to the next song", "none"),
    ("pause the movie", "none"),
    ("are you listening", "none"),
    ("who are you", "none"),
    ("good afternoon", "none"),
    ("my cat is hungry", "none"),
    ("how many people are in the world", "none"),
    ("how long is a marathon", "none"),
    ("is it safe to drive in the snow", "none"),
    ("what are the benefits of yoga classes", "none"),
    ("where is my phone", "none"),
    ("what's for dinner", "none"),
    ("i'm painting the fence", "none"),
    ("paint the wall blue", "none"),
    ("the faint smell of coffee", "none"),
    ("i'm going to fall asleep on the couch", "none"),
    ("open the window", "none"),
    ("add bread to the shopping list", "none"),
    ("send a message to sarah", "none"),
    ("how do i get to the station", "none"),
    ("what's the score", "none"),
    ("my brother lives in texas", "none"),
    ("lock the car", "none"),
    ("the quick brown fox jumps over the lazy dog", "none"),
    ("go somewhere and do something", "none"),
    ("lamp on", "none"),
    ("what's nine times seven", "none"),
]

# Colloquial paraphrases: fillers, extra words, casual spellings.
DEV_COLLOQUIAL: list[tuple[str, str]] = [
    ("alright coach let's do the back twist", "start"),
    ("ok i want to start now", "start"),
    ("can we get going with the twist", "start"),
    ("lets start the exercise then", "start"),
    ("i'm ready to begin the stretch", "start"),
    ("um could you start the back twist for me", "start"),
    ("please stop it right now", "stop"),
    ("no no no stop", "stop"),
    ("hold on stop", "stop"),
    ("my neck is killing me", "pain"),
    ("ow ow ow", "pain"),
    ("i felt something pull in my back", "pain"),
    ("its kinda painful", "pain"),
    ("feeling pretty dizzy right now", "dizzy"),
    ("im light headed", "dizzy"),
    ("whoa my head's spinning", "dizzy"),
    ("hang on a bit", "pause"),
    ("wait a minute i need to rest", "pause"),
    ("hold on i need a break", "pause"),
    ("just give me a second please", "pause"),
    ("one moment please", "pause"),
    ("hang on let me breathe", "pause"),
    ("ok keep going then", "resume"),
    ("alright let's carry on with the twist", "resume"),
    ("we can continue now", "resume"),
    ("i'm back lets go on", "resume"),
    ("yep keep going", "resume"),
    ("how many reps do i have left", "ask_reps"),
    ("how many twists is that", "ask_reps"),
    ("so how many more times", "ask_reps"),
    ("how many do we do on each side", "ask_reps"),
    ("what number of reps are we at", "ask_reps"),
    ("why is this exercise good", "ask_benefits"),
    ("what's the back twist good for anyway", "ask_benefits"),
    ("how is this supposed to help me", "ask_benefits"),
    ("does this actually help my back", "ask_benefits"),
    ("what good does this do", "ask_benefits"),
    ("is it safe to do this", "ask_precautions"),
    ("is this safe if i have a bad neck", "ask_precautions"),
    ("i have sciatica is that a problem", "ask_precautions"),
    ("should i see a doctor before doing this", "ask_precautions"),
    ("are there any dangers", "ask_precautions"),
    ("anything i should be careful of", "ask_precautions"),
    ("where do i put my arms", "ask_technique"),
    ("what am i doing with my feet", "ask_technique"),
    ("should i be looking behind me", "ask_technique"),
    ("how far round should i turn", "ask_technique"),
    ("do i breathe in or out", "ask_technique"),
    ("should my knees be bent", "ask_technique"),
    ("what's this pole you mentioned", "ask_technique"),
    ("how do i do the twist properly", "ask_technique"),
    ("how long do we twist for", "ask_duration"),
    ("how long is this going to take", "ask_duration"),
    ("how much longer is left", "ask_duration"),
    ("when will we be done", "ask_duration"),
    ("how many minutes do i twist", "ask_duration"),
    ("sorry can you say that again", "repeat"),
    ("what was that you said", "repeat"),
    ("i didn't get that", "repeat"),
    ("repeat please", "repeat"),
    ("could you say it one more time", "repeat"),
    ("what can i tell you", "help"),
    ("i don't know what to say", "help"),
    ("what commands do you understand", "help"),
    ("how does this app work", "help"),
    ("can you help", "help"),
    ("yeah i'm ready to go", "ready"),
    ("yes that's correct", "yes"),
    ("i'm feeling fine now thank you", "yes"),
    ("yeah i feel okay", "yes"),
    ("i'm good now", "yes"),
    ("sure thing", "yes"),
    ("i do have back problems", "yes"),
    ("no not yet", "no"),
    ("nah i'm good thanks", "no"),
    ("no i'm not ready", "no"),
    ("no problems with my back or neck", "no"),
    ("nope none", "no"),
    ("can you go a bit faster", "faster"),
    ("let's go quicker", "faster"),
    ("speed it up please", "faster"),
    ("that's too slow", "faster"),
    ("could you slow down a bit", "slower"),
    ("slow down a little", "slower"),
    ("that's a bit fast", "slower"),
    ("can we go slower please", "slower"),
    ("skip this one", "skip"),
    ("let's go to the next step", "skip"),
    ("next part", "skip"),
    ("skip that", "skip"),
    ("ok i'm done for the day", "quit"),
    ("bye coach", "quit"),
    ("i quit", "quit"),
    ("exit please", "quit"),
    ("let's finish for today", "quit"),
    # out of domain, colloquial
    ("put on some jazz", "none"),
    ("is it going to rain today", "none"),
    ("set an alarm for six thirty", "none"),
    ("text my wife i'm running late", "none"),
    ("how many miles to boston", "none"),
    ("how long should i boil pasta", "none"),
    ("what are the benefits of vitamin d", "none"),
    ("is it safe to swim after eating", "none"),
    ("where should i park the car", "none"),
    ("what do i do with the leftovers", "none"),
    ("i'll be back in a minute", "none"),
    ("move the meeting to friday", "none"),
    ("next track", "none"),
    ("pause the podcast", "none"),
    ("skip this ad", "none"),
    ("who sings this song", "none"),
    ("what's the time in tokyo", "none"),
    ("turn the heating up", "none"),
    ("my back garden is a mess", "none"),
    ("the left one or the right one", "none"),
    ("twist ending", "none"),
    ("i need to pick up the kids", "none"),
    ("can you hear me", "none"),
    ("hello there", "none"),
    ("that's a nice song", "none"),
]

# The brief's seed examples: each must be matched exactly.
SEEDS: list[tuple[str, str]] = [
    ("start back twist", "start"),
    ("how many reps", "ask_reps"),
    ("stop", "stop"),
    ("it hurts", "pain"),
    ("I feel dizzy", "dizzy"),
    ("hold on", "pause"),
    ("keep going", "resume"),
    ("what are the benefits", "ask_benefits"),
    ("is this safe", "ask_precautions"),
    ("what do I do with my arms", "ask_technique"),
    ("how long should I do this", "ask_duration"),
    ("say that again", "repeat"),
    ("what can I say", "help"),
    ("I'm ready", "ready"),
    ("nope", "no"),
    ("speed up", "faster"),
    ("slow down", "slower"),
    ("next", "skip"),
    ("goodbye", "quit"),
    ("I feel fine", "yes"),
    ("I'm okay now", "yes"),
    ("I feel better", "yes"),
]

# Development rows the matcher still gets wrong (kept visible, not deleted).
KNOWN_MISSES = {
    "can you hear me",
}

# Safety words win over everything else in the sentence.
SAFETY: list[tuple[str, str]] = [
    ("how many reps, it hurts", "pain"),
    ("yes my back hurts", "pain"),
    ("no, it still hurts", "pain"),
    ("keep going but ouch", "pain"),
    ("what are the precautions for pain", "pain"),
    ("what if it hurts", "pain"),
    ("speed up, i'm dizzy", "dizzy"),
    ("stop stop i'm dizzy", "dizzy"),
    ("my head is spinning and it hurts", "dizzy"),
    ("don't stop, ouch", "pain"),
    ("i'm fine, just a bit dizzy", "dizzy"),
    ("painful", "pain"),
    ("please stop the exercise", "stop"),
    ("stop now please", "stop"),
    ("ok that's enough stop", "stop"),
    ("don't stop", "resume"),
    ("please don't ever stop", "resume"),
    ("i'm painting the fence", "none"),
    ("a faint smell of gas", "none"),
]

# "stop" as a noun or aimed at something else never halts (it may still be none or skip).
NOT_A_HALT = [
    "the next stop is ours",
    "stop sign",
    "we got off at the bus stop",
    "stop playing the radio",
    "stop the song",
    "the stop button is broken",
    "a pit stop",
    "when do we stop",
    "i'm painting the fence",
    "he paints houses",
    "the faint sound of music",
    "i'm going to fall asleep",
    # stop 22: a safety word mentioned, not said, and the idiom of annoyance
    "how do you spell nauseous",
    "how would i pronounce vertigo",
    "the word stop is painted on the road",
    "he's a pain in the neck",
    "this homework is a real pain in the butt",
    "what a pain in the neck",
]

# Stop 22: what still halts next to those exceptions (the safe error is to halt).
STILL_HALTS: list[tuple[str, str]] = [
    ("i have a pain in the neck", "pain"),
    ("i've got a sharp pain in the neck", "pain"),
    ("my neck is a pain", "pain"),
    ("how do you spell it ouch that hurts", "pain"),
    ("stop how do you spell that", "stop"),
    ("i hurt my back last year", "pain"),  # past: the coach asks, which is harmless
    # more words for the same things
    ("i feel giddy", "dizzy"),
    ("i'm feeling a bit wobbly", "dizzy"),
    ("my back just twinged", "pain"),
    ("something pinched in my neck", "pain"),
    ("my neck spasmed when i turned", "pain"),
    ("cease", "stop"),
    ("abort the session", "stop"),
    ("don't abort keep going", "stop"),  # only "don't stop" is resume
]

# Stop 22: a known phrase at the start or the end of a longer sentence carries it ...
CONTAINED_PHRASES: list[tuple[str, str]] = [
    ("hang on i think the kettle's boiling", "pause"),
    ("give me a moment i need to tie my shoe", "pause"),
    ("hold on let me move the chair", "pause"),
    ("pause i need to answer the door", "pause"),
    ("sorry folks slow down a bit", "slower"),
    ("whoa there slow it down", "slower"),
    ("my legs are wide and i'm ready", "ready"),
    ("skip this one i don't like it", "skip"),
    ("keep going you're doing great", "resume"),
    ("carry on i'm alright", "resume"),
    ("that's fine no problems here", "no"),
    ("stop the music i'm ready", "ready"),
    # stop 31: a subject and its verb begin a clause too, and the head may be any sentence
    # the matcher takes surely alone (a phrase's core, keywords that explain all of it)
    ("hang on the postman is here", "pause"),
    ("one moment my cat's on the table", "pause"),
    ("time out the baby's crying", "pause"),
    ("pause for a second i have to let the dog out", "pause"),
]

# ... unless what follows is its object, or what comes before binds it into a bigger clause.
CONTAINED_NONE = [
    "pause the music",
    "pause the video for a second",
    "skip this podcast",
    "resume the download",
    "continue the movie",
    "hold the door for me",
    "wait for the bus",
    "wait until tomorrow",
    "hold on to your hat",
    "the dinner is ready",
    "is dinner ready yet",
    "tell the kids to slow down",
    "the traffic needs to slow down",
    "i'll be right back",
    "let me grab a towel",
    "hang on to the chair",
    "how long do i boil an egg",
    "how many laps did you run at the park",
    "wait for the kettle it's nearly done",
]

# Stop 22: more words for what the intents say (synonyms in intents/en/intents.yaml).
VOCABULARY: list[tuple[str, str]] = [
    ("let's call it quits", "quit"),
    ("i'll pack it in for today", "quit"),
    ("how many rounds do i do", "ask_reps"),
    ("how many sets should i do", "ask_reps"),
    ("what if i've got a bad knee", "ask_precautions"),
    ("i've got a dodgy hip is that okay", "ask_precautions"),
    ("fire it up", "start"),
    ("take me through the twist", "start"),
    ("lemme have a go at the twist", "start"),
    ("let's try the spinal twist", "start"),
    ("nope mate", "no"),
    ("no issues at all", "no"),
    ("no trouble with my neck", "no"),
    ("i can't keep up with you", "slower"),
    ("pass on that", "skip"),
    ("list my options", "help"),
    ("no neck and back injuries", "no"),  # stop 31: both parts, as the safety question asks
    ("i've had neck or back trouble", "yes"),
]

# Stop 22, round two: the sensations of dizziness and of a sudden pain, not only their names
# (groups of words in the safety section), and the questions about a risk that do not halt.
SENSATIONS: list[tuple[str, str]] = [
    ("the whole room is swaying", "dizzy"),
    ("my head keeps going round", "dizzy"),
    ("i think i'm going to keel over", "dizzy"),
    ("i got a bit of a head rush", "dizzy"),
    ("i can see stars everywhere", "dizzy"),
    ("i might pass out", "dizzy"),
    ("the ceiling is tilting", "dizzy"),
    ("something just twanged in my lower back", "pain"),
    ("my neck just locked up", "pain"),
    ("my knee is giving me grief today", "pain"),
    ("it popped in my shoulder", "pain"),
    # what must still halt next to the new exceptions
    ("it's a real pain", "pain"),
    ("i've got a real pain in my back", "pain"),
    ("i hurt myself", "pain"),
    ("i think i hurt my back", "pain"),
    ("can i stop it hurts", "pain"),
    ("it hurts when i turn", "pain"),
    ("how do i stop", "stop"),
    ("this could hurt", "pain"),  # stop 31: said, not asked
    ("is it supposed to hurt this much", "pain"),  # a pain told as a question
    ("will this hurt my back ouch it does", "pain"),
]

# ... and what is not a halt: the same words about something else, a nuisance, a risk asked
# about ("can i hurt myself" asks for precautions).
SENSATIONS_NOT_A_HALT: list[tuple[str, str]] = [
    ("the band was swaying on stage", "none"),
    ("the earth goes round the sun", "none"),
    ("the sofa looks like it is swaying", "none"),
    ("my boss is giving me grief", "none"),
    ("i'm off work tomorrow", "none"),  # "i'm off" is no goodbye: an end cannot be undone
    ("the balloon popped", "none"),
    ("something popped up on my phone", "none"),
    ("the commute was a total pain today", "none"),
    ("that meeting was a real pain", "none"),
    ("could i injure my back doing this", "ask_precautions"),
    ("will i hurt myself if i twist too far", "ask_precautions"),
    # stop 31: with the exercise as the subject of the risk
    ("might it injure my neck", "ask_precautions"),
    ("will the twist hurt my lower back", "ask_precautions"),
    ("is this gonna hurt", "ask_precautions"),
    ("can doing this make you feel faint", "ask_precautions"),
]

# Round two: more synonym groups (keywords, common words, trailing fillers), each with
# sentences that must stay none.
ROUND_TWO_VOCABULARY: list[tuple[str, str]] = [
    ("let's get things underway", "start"),
    ("start us off", "start"),
    ("can we get the workout going", "start"),
    ("give me a jiffy", "pause"),
    ("wait two ticks", "pause"),
    ("hold your thought a moment", "pause"),
    ("hang on a mo", "pause"),
    ("what number of repetitions should i do", "ask_reps"),
    ("how many in a full set", "ask_reps"),
    ("how many should someone my age do", "ask_reps"),
    ("how many minutes should i twist for", "ask_duration"),
    ("will stretching help my posture", "ask_benefits"),
    ("how does this stretch help my spine", "ask_benefits"),
    ("help me", "help"),
    ("is it safe for anyone with a bad knee", "ask_precautions"),
    ("should anyone with back problems avoid this", "ask_precautions"),
    ("what pace should i twist at", "ask_technique"),
    ("how should i hold my arms while turning", "ask_technique"),
    ("how do i stop my knees bending", "ask_technique"),  # not a halt either
    ("could you run that past me again", "repeat"),
    ("go over that again please", "repeat"),
    ("tell me again", "repeat"),
    ("what things can i say", "help"),
    ("what stuff do you understand", "help"),
    ("aye that's fine", "yes"),
    ("up the pace a bit", "faster"),
    ("increase the tempo", "faster"),
    ("bring the pace down a touch", "slower"),
    ("lower the tempo", "slower"),
    ("i'll skip this one", "skip"),
    ("we'll skip the cool down", "skip"),
    ("right we're heading off", "quit"),
    ("that'll do bye", "quit"),
    ("you can carry on", "resume"),
]

ROUND_TWO_NONE = [
    "how many people live in paris",
    "can you help my mum with her shopping",
    "is it safe to swim after eating",
    "is the car safe to drive",
    "what speed is the train",
    "run that by your manager",
    "list the things in the fridge",
    "turn the music down",
    "turn it down",
    "i'm off to the shops later",
    "that'll do nicely thanks",
    "cheers",
    "i'll nip out and be right back",
    "aye aye captain",
]

# A negated safety word is not a halt; a confirmation of feeling fine is yes.
NEGATION: list[tuple[str, str]] = [
    ("no pain", "yes"),
    ("no more pain", "yes"),
    ("it doesn't hurt", "yes"),
    ("it doesnt hurt anymore", "yes"),
    ("i'm not dizzy", "yes"),
    ("i do not feel dizzy anymore", "yes"),
    ("the pain has passed", "yes"),
    ("nothing hurts", "yes"),
    ("no it hurts", "pain"),
    ("not sure but it hurts", "pain"),
    ("i don't know why it hurts", "pain"),
    ("it's not like an uncomfortable thing", "none"),  # an article or "like" between
    ("it's not a pain", "none"),
    ("it's not a sharp pain", "pain"),  # a word of its own between: the doubtful case halts
]

BAD_INPUT: list[Any] = [
    "",
    "   ",
    "\n\t\r",
    "?!...",
    "x" * 10_000,
    "blah " * 2_000,
    "\x00\xff\xfe\x01binary\x7f",
    bytes(range(256)).decode("latin-1"),
    "你好，我们开始吧",
    "안녕하세요 시작합시다",
    "Привет, давай начнём",
    "🙂🙂🙂 👍",
    "\ud800",
    None,
    b"stop",
    42,
]


def _check(matcher: IntentMatcher, text: str, intent: str) -> None:
    got = matcher.match(text)
    assert (got.intent, text) == (intent, text), got


@pytest.mark.parametrize(("text", "intent"), SEEDS)
def test_seed_examples_match_exactly(matcher: IntentMatcher, text: str, intent: str) -> None:
    got = matcher.match(text)
    assert (got.intent, got.confidence) == (intent, 1.0)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        pytest.param(t, i, marks=pytest.mark.xfail(strict=True, reason="known miss"))
        if t in KNOWN_MISSES
        else (t, i)
        for t, i in DEV_TABLE + DEV_COLLOQUIAL
    ],
)
def test_dev_table(matcher: IntentMatcher, text: str, intent: str) -> None:
    _check(matcher, text, intent)


@pytest.mark.parametrize(("text", "intent"), SAFETY)
def test_safety_words_win(matcher: IntentMatcher, text: str, intent: str) -> None:
    _check(matcher, text, intent)


@pytest.mark.parametrize("text", NOT_A_HALT)
def test_other_senses_do_not_halt(matcher: IntentMatcher, text: str) -> None:
    assert matcher.match(text).intent not in HALTING


@pytest.mark.parametrize(("text", "intent"), STILL_HALTS + CONTAINED_PHRASES + VOCABULARY)
def test_stop_22_principles(matcher: IntentMatcher, text: str, intent: str) -> None:
    _check(matcher, text, intent)


@pytest.mark.parametrize(
    ("text", "intent"), SENSATIONS + SENSATIONS_NOT_A_HALT + ROUND_TWO_VOCABULARY
)
def test_stop_22_round_two(matcher: IntentMatcher, text: str, intent: str) -> None:
    _check(matcher, text, intent)


@pytest.mark.parametrize("text", ROUND_TWO_NONE)
def test_stop_22_round_two_stays_none(matcher: IntentMatcher, text: str) -> None:
    _check(matcher, text, "none")


STOP_23_UNWELL: list[tuple[str, str]] = [
    # stop 23: feeling unwell and pain described in everyday words, a word of degree between
    ("i'm feeling really sick all of a sudden", "dizzy"),
    ("oh i think i'm going to be sick", "dizzy"),
    ("i feel a bit funny actually", "dizzy"),
    ("i've gone all shaky", "dizzy"),
    ("my knees are buckling", "dizzy"),
    ("my legs feel like jelly", "dizzy"),
    ("everything's gone a bit fuzzy", "dizzy"),
    ("my eyes are going blurry", "dizzy"),
    ("i can't stay on my feet", "dizzy"),
    ("i feel proper poorly", "dizzy"),
    ("there's a burning sensation in my lower back", "pain"),
    ("i've got a shooting pain in my hip", "pain"),
    ("my neck's burning", "pain"),
    ("my shoulders are really pulling", "pain"),
    ("my fingers are tingling", "pain"),
    ("i think i've put my back out", "pain"),
    ("this is really uncomfortable", "pain"),
    ("oi knock it off", "stop"),
]
STOP_23_NOT_A_HALT = [
    # ... not: fed up, someone else's pain told about, a nuisance, another assistant, a quote
    "i'm sick of this weather",
    "my dad had awful knee pain after his operation",
    "she gets dizzy on boats",
    "my sister hurt her ankle at netball",
    "that form was a pain to fill in",
    "alexa stop",
    "ok google stop the music",
    "my mum shouted stop at the telly",
    "the nausea has completely passed",
]


@pytest.mark.parametrize(("text", "intent"), STOP_23_UNWELL)
def test_stop_23_how_it_feels_halts(matcher: IntentMatcher, text: str, intent: str) -> None:
    _check(matcher, text, intent)


@pytest.mark.parametrize("text", STOP_23_NOT_A_HALT)
def test_stop_23_someone_else_or_something_else_does_not_halt(
        matcher: IntentMatcher, text: str) -> None:
    assert matcher.match(text).intent not in HALTING


STOP_24_TOLD_ABOUT = [
    # stop 24: someone else's pain or dizziness, told about: the person is the subject
    "my brother's been feeling faint all day",
    "my gran is in a lot of pain these days",
    "he's always got a sore neck from his job",
    "the dog gets sick in the car",
    "my son says his knee hurts after football",
    "our neighbour is such a pain",
]
STOP_24_STILL_HALTS = [
    # ... but the speaker's own, or the speaker in it, still halts
    ("my legs they hurt", "pain"),
    ("he's hurting me", "pain"),
    ("she says my back looks sore", "pain"),
    ("my husband's here and i feel dizzy", "dizzy"),
    ("they're fine but i'm in agony", "pain"),
    ("my wife thinks i look faint", "dizzy"),
]
STOP_24_WORDS = [
    # stop 24: new words for pain, dizziness and the other intents (principles, not rows)
    ("i've got spots in front of my eyes", "dizzy"),
    ("a sharp stabbing one just now", "pain"),
    ("me neck's gone", "pain"),
    ("my sciatica is playing up", "pain"),
    ("it feels like a hot poker in my back", "pain"),
    ("freeze it there", "pause"),
    ("pick it up from where you stopped", "resume"),
    ("what's the point of twisting", "ask_benefits"),
    ("is this ok at my age", "ask_precautions"),
    ("what's my best streak", "ask_progress"),
    ("what can i say that you respond to", "help"),
    ("yes that's correct", "yes"),
    ("skip the intro", "skip"),
    ("can we jump ahead", "skip"),
    ("time for my stretches", "start"),
    ("in position and waiting", "ready"),
    ("eh whit was that", "repeat"),
    # stop 24, second round (dev_j)
    ("me knee's in bits", "pain"),
    ("let's take a quick break and come back to it", "pause"),
    ("can you pick things up again", "resume"),
    ("does it take long", "ask_duration"),
    ("what's my best ever", "ask_progress"),
    ("is that five sessions in a row", "ask_progress"),
    ("go over the last part", "repeat"),
    ("could you give me some help", "help"),
    ("i'm not feeling queasy anymore", "yes"),
    ("you're going too slowly", "faster"),
    ("let's end the session", "quit"),
    ("pause it right there", "pause"),
    ("we're all set", "ready"),
    ("which stop is it for the museum", "none"),
    # stop 24, third round (dev_k): a term of address or thanks at the end, wondering aloud
    ("say that again love", "repeat"),
    ("no thanks pet", "no"),
    ("that'll do for now ta", "quit"),
    ("i was wondering if we could go a tad quicker", "faster"),
    ("ease off a bit", "slower"),
    ("steady on", "slower"),
    ("shall we make a start", "start"),
    ("time to start i think", "start"),
    ("can we crack on", "resume"),
    ("what's my current streak", "ask_progress"),
    ("is there much more to go", "ask_duration"),
    ("certainly not", "no"),
    ("let's miss that bit out", "skip"),
    ("let's leave it there", "quit"),
    ("i'm grand thanks", "yes"),
    ("i need to sit", "dizzy"),
    ("how do i keep from wobbling", "ask_technique"),
    ("the woman upstairs is a right pain", "none"),
    ("stop poking your brother", "none"),
    # stop 24, fourth round (dev_l): second-language word order, hedges, a misheard "wait"
    ("i feel not well", "dizzy"),
    ("i think i might fall over", "dizzy"),
    ("my vision is kind of blurry", "dizzy"),
    ("weight a minute", "pause"),
    ("lowkey can we skip this bit", "skip"),
    ("does my head turn too", "ask_technique"),
    ("how many have i done this month", "ask_progress"),
    ("for sure", "yes"),
    ("no way man", "no"),
    ("i'm in the starting position", "ready"),
    ("bit more quickly", "faster"),
    ("you're too speedy", "slower"),
    ("turn back the pace", "slower"),
    ("pass that bit", "skip"),
    ("quit the session", "quit"),
    ("stop the dishwasher", "none"),
    ("i couldn't stop giggling", "none"),
    ("the commute is killing me", "none"),
    # stop 24, fifth round (dev_m): mid-exercise, after surgery, gym words, regional forms
    ("phew that really smarts", "pain"),
    ("i've tweaked my upper back", "pain"),
    ("put it on hold a sec", "pause"),
    ("what muscles does this target", "ask_benefits"),
    ("any contraindications i should know about", "ask_precautions"),
    ("should i engage my core", "ask_technique"),
    ("are we close to the end", "ask_duration"),
    ("did i beat my best", "ask_progress"),
    ("nae chance", "no"),
    ("locked and loaded", "ready"),
    ("finish the workout", "quit"),
    ("whit's that", "repeat"),
    # stop 29: an order passed on to someone else is no halt; to "the coach" it may be
    ("can you ask the kids to stop shouting", "none"),
    ("tell my husband to stop", "none"),
    ("tell the coach to stop", "stop"),
    ("make it stop", "stop"),
    ("tell them to stop i'm in pain", "pain"),
]


@pytest.mark.parametrize("text", STOP_24_TOLD_ABOUT)
def test_stop_24_someone_elses_pain_told_about_does_not_halt(
    matcher: IntentMatcher, text: str
) -> None:
    assert matcher.match(text).intent not in HALTING


@pytest.mark.parametrize(("text", "intent"), STOP_24_STILL_HALTS + STOP_24_WORDS)
def test_stop_24_tables(matcher: IntentMatcher, text: str, intent: str) -> None:
    _check(matcher, text, intent)


@pytest.mark.parametrize("text", CONTAINED_NONE)
def test_a_phrase_with_an_object_or_bound_is_not_contained(
    matcher: IntentMatcher, text: str
) -> None:
    _check(matcher, text, "none")


def test_a_contained_phrase_is_a_loose_match(matcher: IntentMatcher) -> None:
    got = matcher.match("hold on let me move the chair")
    assert (got.intent, got.confidence) == ("pause", CONTAINED)


@pytest.mark.parametrize(("text", "intent"), NEGATION)
def test_negated_safety_words_do_not_halt(matcher: IntentMatcher, text: str, intent: str) -> None:
    _check(matcher, text, intent)


@pytest.mark.parametrize("text", BAD_INPUT, ids=range(len(BAD_INPUT)))
def test_bad_input_is_none_without_error(matcher: IntentMatcher, text: Any) -> None:
    got = matcher.match(text)
    assert got.intent == "none"
    assert 0.0 <= got.confidence <= 1.0


def test_a_long_line_still_halts_on_a_safety_word(matcher: IntentMatcher) -> None:
    assert matcher.match("stop " * 2_000).intent == "stop"
    assert matcher.match("ouch " + "x" * 10_000).intent == "pain"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_match_never_raises(text: str) -> None:
    got = MATCHER.match(text)
    assert got.intent in INTENTS
    assert 0.0 <= got.confidence <= 1.0
    assert got.text == normalize(text[:MAX_INPUT_CHARS])


MATCHER = IntentMatcher.load("en")


# --- contract -----------------------------------------------------------------------------


def test_contract_names() -> None:
    assert INTENTS == (
        "start", "stop", "pain", "dizzy", "pause", "resume", "ask_reps", "ask_benefits",
        "ask_precautions", "ask_technique", "ask_duration", "repeat", "help", "yes", "no",
        "ready", "faster", "slower", "skip", "quit", "ask_progress", "none",
    )  # fmt: skip
    assert frozenset({"stop", "pain", "dizzy"}) == HALTING


def test_intent_match_is_frozen(matcher: IntentMatcher) -> None:
    got = matcher.match("Stop!")
    assert got == IntentMatch("stop", 1.0, "stop")
    with pytest.raises(AttributeError):
        got.intent = "none"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Stop!  ", "stop"),
        ("I\u2019m READY.", "i'm ready"),
        ("don't-stop", "don't stop"),
        ("'quoted' words", "quoted words"),
        ("owwww", "ow"),
        ("café crème", "cafe creme"),
        ("Straße", "strasse"),
        ("light-headed", "light headed"),
        ("ten\tfive\nnine", "ten five nine"),
        ("你好", ""),
        ("\x00\xff", "y"),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


# --- phrase data --------------------------------------------------------------------------


def test_every_contract_intent_has_phrases(matcher: IntentMatcher) -> None:
    assert set(matcher.phrases()) == set(INTENTS) - {"none"}


def test_phrase_set_is_grammar_sized(matcher: IntentMatcher) -> None:
    total = sum(len(p) for p in matcher.phrases().values())
    assert 300 <= total <= 4000


def test_phrases_are_normalized_words(matcher: IntentMatcher) -> None:
    for intent, sentences in matcher.sentences().items():
        for sentence in sentences:
            assert normalize(sentence) == sentence, (intent, sentence)
            assert not any(char.isdigit() for char in sentence), (intent, sentence)


def test_every_phrase_matches_its_own_intent(matcher: IntentMatcher) -> None:
    wrong = [
        (sentence, intent, got.intent)
        for intent, sentences in matcher.sentences().items()
        for sentence in sentences
        if (got := matcher.match(sentence)).intent != intent
    ]
    assert wrong == []


@pytest.mark.parametrize(
    "word", ["stop", "halt", "enough", "dizzy", "lightheaded", "faint", "hurts", "ouch", "pain"]
)
def test_recognizers_can_hear_the_safety_words(matcher: IntentMatcher, word: str) -> None:
    assert word in matcher.vocabulary()


def _cmudict() -> set[str] | None:
    try:
        import pocketsphinx
    except ImportError:
        return None
    path = Path(pocketsphinx.__file__).parent / "model" / "en-us" / "cmudict-en-us.dict"
    if not path.is_file():
        return None
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return {line.split()[0].split("(")[0] for line in lines if line.strip()}


def test_vocabulary_is_in_cmudict(matcher: IntentMatcher) -> None:
    words = _cmudict()
    if words is None:
        pytest.skip("pocketsphinx (with its bundled cmudict) is not installed")
    assert sorted(matcher.vocabulary() - words) == []


def test_keywords_are_in_cmudict() -> None:
    words = _cmudict()
    if words is None:
        pytest.skip("pocketsphinx (with its bundled cmudict) is not installed")
    data = intent_data.read(data_dir("en") / "intents.yaml")
    keywords = {w for table in data.keywords.values() for cue in table for w in cue.split()}
    assert sorted(keywords - words - NOT_IN_CMUDICT) == []


NOT_IN_CMUDICT = {
    "dodgy", "herniated", "prolapsed", "sciatica", "scoliosis", "knackered", "bushed",
    "contraindication", "contraindications", "contraindicated",
}
"""Real words that Whisper writes and the bundled CMUdict lacks (the check is a typo guard)."""


# --- held-out benchmark table -------------------------------------------------------------


def test_benchmark_table_shape() -> None:
    rows = bench.read_table(BENCHMARK)
    counts = {intent: sum(r.expected == intent for r in rows) for intent in INTENTS}
    assert len(rows) >= 300
    assert min(counts.values()) >= 10, counts
    assert sum(counts[i] for i in HALTING) >= 40
    assert counts["none"] >= 60
    texts = [normalize(r.text) for r in rows]
    assert len(set(texts)) == len(texts)


def test_benchmark_rows_are_not_in_the_phrase_data(matcher: IntentMatcher) -> None:
    phrases = {s for sentences in matcher.sentences().values() for s in sentences}
    leaked = [r.text for r in bench.read_table(BENCHMARK) if normalize(r.text) in phrases]
    assert leaked == []


def test_dev_tables_do_not_overlap_the_benchmark() -> None:
    held_out = {normalize(r.text) for r in bench.read_table(BENCHMARK)}
    tables = [t for t, _ in DEV_TABLE + DEV_COLLOQUIAL]
    tables += [r.text for path in DEV_FILES for r in bench.read_table(path)]
    assert [t for t in tables if normalize(t) in held_out] == []


@pytest.mark.parametrize("path", DEV_FILES, ids=[p.name for p in DEV_FILES])
def test_dev_file_shape(path: Path) -> None:
    rows = bench.read_table(path)
    counts = {intent: sum(r.expected == intent for r in rows) for intent in INTENTS}
    assert len(rows) >= 150
    assert sum(counts[i] for i in HALTING) >= 20
    assert counts["none"] >= 30
    texts = [normalize(r.text) for r in rows]
    assert len(set(texts)) == len(texts)


def test_the_tuning_table_meets_the_targets(matcher: IntentMatcher) -> None:
    """benchmarks/dev/dev_a.tsv was tuned on: a regression there is a regression."""
    result = bench.evaluate(matcher, bench.read_table(DEV_FILES[0]))
    assert result["accuracy"] >= 0.97, result["misses"]
    assert result["halting_recall"] >= 0.99
    assert result["false_halting_rate"] <= 0.01
    assert result["ood_rejection"] >= 0.95


# --- loading (the loader's own errors are tested in tests/test_nlu_data.py) --------------

SMALL = """
safety:
  stop:
    negatable: false
    keywords: [stop]
    exceptions: ["don't stop"]
common_words: [then]
keywords:
  resume: {"(carry on|keep going)": 3}
  ask_technique: {"how far": 3, "(arms|feet)": 1.5}
intents:
  stop: [stop]
  resume: ["(keep going|don't stop)"]
  ask_technique: ["what (do|should) i do with my (arms|feet)"]
"""


def test_from_dict_builds_a_small_matcher() -> None:
    small = IntentMatcher.from_dict(yaml.safe_load(SMALL), source="small")
    assert small.phrases()["resume"] == ("keep going", "don't stop")
    assert small.vocabulary() >= {"going", "arms", "should"}
    assert small.match("don't stop").intent == "resume"
    assert small.match("how far do my arms go").intent == "ask_technique"  # by keywords
    assert small.match("carry on then").intent == "resume"
    assert small.match("how far is the moon").intent == "none"  # "moon" weighs against


def test_from_yaml_reports_the_path(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(DataError, match="file not found") as info:
        IntentMatcher.from_yaml(path)
    assert info.value.source == str(path)


# --- benchmark runner ---------------------------------------------------------------------


def test_bench_runner_reports_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = tmp_path / "t.tsv"
    table.write_text(
        "# comment\ntext\tintent\nouch\tpain\nplease hold on\tpause\nplay jazz\tnone\n"
        "stop\tstop\nhi there\tyes\n",
        encoding="utf-8",
    )
    status = bench.main(["--file", str(table), "--json", "--rounds", "1"])
    result = json.loads(capsys.readouterr().out)
    assert status == 1  # the "hi there -> yes" row misses, so accuracy is below target
    assert result["rows"] == 5
    assert result["halting_recall"] == 1.0
    assert result["ood_rejection"] == 1.0
    assert result["misses"] == [
        {"line": 7, "text": "hi there", "expected": "yes", "got": "none",
         "confidence": result["misses"][0]["confidence"]}
    ]  # fmt: skip
    assert set(result["targets"]) == set(bench.TARGETS)


def test_bench_runner_rejects_a_bad_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = tmp_path / "t.tsv"
    table.write_text("stop\tstahp\n", encoding="utf-8")
    assert bench.main(["--file", str(table)]) == 2
    assert "t.tsv:1" in capsys.readouterr().err


def test_paraphrases_are_understood_but_not_in_the_grammar(matcher: IntentMatcher) -> None:
    """Issue 16: paraphrases widen what the matcher understands without shifting the
    recognizers' grammars, which are built from :meth:`IntentMatcher.phrases`."""
    data = intent_data.read(data_dir("en") / "intents.yaml")
    assert data.paraphrases and matcher.phrases() == dict(data.phrases)
    for intent, sentences in data.paraphrases.items():
        assert set(sentences) <= set(matcher.sentences()[intent])
    assert matcher.match("what are the advantages").intent == "ask_benefits"
    assert "advantages" not in matcher.vocabulary()


@pytest.mark.parametrize(
    "text", ["here", "place", "five five", "things", "walk", "words", "talk", "i'm here"]
)
def test_a_paraphrase_word_alone_is_not_a_command(matcher: IntentMatcher, text: str) -> None:
    """Issue 16: a word only a paraphrase holds ("end here", "take five") once made the word
    alone an intent ("here" alone was quit)."""
    assert matcher.match(text).intent == "none"


@pytest.mark.parametrize(("text", "intent", "cut_short"), [
    ("i'm going to black", "dizzy", True),  # the start of "i'm going to black out"
    ("i'm going to faint now", "dizzy", False),
    ("stop twisting now", "stop", False),
    ("i'm going to faint", "dizzy", False),
    ("stop", "stop", False),  # an exact phrase, though "stop twisting" begins with it
    ("i feel dizy", "dizzy", False),  # a slip, not a start
])
def test_a_halt_matched_by_a_phrase_the_sentence_only_begins_is_cut_short(
    matcher: IntentMatcher, text: str, intent: str, cut_short: bool
) -> None:
    found = matcher.match(text)
    assert (found.intent, found.cut_short) == (intent, cut_short)


@pytest.mark.parametrize(("text", "intent"), [
    ("how does this whole thing work", "help"),
    ("what is this thing good for", "ask_benefits"),
    ("is it really safe for me", "ask_precautions"),
    ("pick it up again please", "resume"),  # "again" is a keyword: not "pick it up" (faster)
])
def test_everyday_words_added_to_a_phrase_do_not_hide_it(
    matcher: IntentMatcher, text: str, intent: str
) -> None:
    assert matcher.match(text).intent == intent


@pytest.mark.parametrize(("text", "intent", "doubt"), [
    ("i'm going to go back", "none", "dizzy"),  # "back" for "black": a word of its own
    ("i'm going to go back to bed", "none", ""),
    ("the room is", "none", "dizzy"),  # cut off before its point
    ("i'm going to", "none", "dizzy"),  # the start of "i'm going to faint": asked about
    ("i have a", "none", "pain"),
    ("i'm going to black out", "dizzy", ""),
    ("im gonna blak out", "dizzy", ""),  # the point misspelt: an unknown word
    ("i feel dizy", "dizzy", ""),
])
def test_a_halt_close_by_spelling_without_its_point_is_a_doubt(
    matcher: IntentMatcher, text: str, intent: str, doubt: str
) -> None:
    """A halting phrase matched by spelling alone must have the word that says the halt most,
    at least misspelt; otherwise the coach asks, it does not halt."""
    got = matcher.match(text)
    assert (got.intent, got.doubt) == (intent, doubt)


@pytest.mark.parametrize(("text", "intent"), [
    ("what the", "none"),  # Whisper's for kitchen noise: was "say that again"
    ("what's the", "none"),
    ("what is my", "none"),
    ("so what are the", "none"),
    ("what", "repeat"),
    ("huh", "repeat"),
    ("sorry what", "repeat"),
    ("could you repeat the", "repeat"),  # another word says it
    ("what did you say about the", "repeat"),
])
def test_a_bare_question_word_cut_off_is_not_a_request_to_repeat(
    matcher: IntentMatcher, text: str, intent: str
) -> None:
    """"what?" alone asks to hear the line again; "what's the ..." cut off asked something
    else, unheard."""
    assert matcher.match(text).intent == intent
