"""Speech recognizers behind one small interface (:mod:`.base`), their backends
(:mod:`.pocketsphinx`, :mod:`.vosk`, imported lazily) and the choice between them
(:mod:`.engines`)."""
