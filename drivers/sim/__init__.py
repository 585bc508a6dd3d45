"""Queue-system simulators (line, frame, caller68) and the pty pair they speak over."""
