// Preloaded by the bench (NODE_OPTIONS=--require): reports the process's peak resident memory as it exits.
process.on('exit', () => process.stderr.write(`peak-rss=${process.resourceUsage().maxRSS}\n`));
