"""Real test doubles for the network: things that listen on loopback and misbehave on cue."""
