"""Files written whole or not at all, never onto an input or into a template folder."""
