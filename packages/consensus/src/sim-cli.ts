// `zoo-sim`: runs seeded ensemble simulations (implemented in src/sim).
console.error('zoo-sim: simulator not built yet')
process.exit(2)
