"""Result actions: a new request rebuilt from a finished job (re-roll, vary, remix, upscale, animate,
retry), started by whoever clicks, through the same validate -> hold -> queue path as a command."""
