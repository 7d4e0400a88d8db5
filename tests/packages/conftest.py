"""tests/packages: user_suite/ is a user's own test suite, run inside a virtual environment by test_installed.py
with only the generated packages installed; the toolkit's run does not collect it (its fixture is not here)."""

collect_ignore = ["user_suite"]
