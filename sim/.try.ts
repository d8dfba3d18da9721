import { Simulator } from "./core/index";
for (const n of [500, 2000, 20000]) {
const sim = new Simulator({ seed: 1, markets: n, start_time_ms: Date.UTC(2026, 10, 20, 12) });
console.log(n, JSON.stringify(sim.state().counts));
}
