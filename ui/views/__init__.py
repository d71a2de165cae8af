"""The screens of the main window: thin widgets that emit what the user asked for."""
