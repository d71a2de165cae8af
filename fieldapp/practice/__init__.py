"""Practice mode (issue 17): realistic cases with a model answer, and a debrief of a trainee's
record against it. Format of the cases: ``resources/practice/FORMAT.md``.

``loader`` finds the shipped sets and reads a case; ``validation`` checks a case file and names
the line of every problem (``positions`` finds the lines, ``shape`` every shape problem);
``expect`` is the one comparison of an assessment with what a professional expects (the
engine's realistic cases use it too); ``person_case`` builds the engine's input for the model
answer and for the trainee's record; ``debrief`` compares the two; ``render`` shows cases and
debriefs as JSON or text. No Qt, no vault: nothing here writes anything.
"""
