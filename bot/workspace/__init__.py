"""A member's workspace: generation preferences (theirs and the server's defaults) and /mine."""
