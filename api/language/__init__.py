"""Language: the one normaliser for what people type, and danger recognition over it. No Flask."""
