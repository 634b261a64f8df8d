"""Tasks: loaders for upstream release files and the Hub, and prompt builders."""
