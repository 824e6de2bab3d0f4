"""The conversation: turn engine, planner, prompts, session state."""
