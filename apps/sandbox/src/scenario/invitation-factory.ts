/**
 * Invitation content, deterministic from (seed, index): invitation i of a seed is always the same
 * case, whatever happened before it. Only the timestamps follow the clock.
 */
import { createRandom, deriveHex, deriveSeed, type Random } from '../random.js';
import type { InvitationDoc } from '../state/invitations.js';
import type { ScenarioOptions } from './scenario-options.js';

const DAY = 86_400_000;

const CITIES: Record<string, readonly string[]> = {
  CA: ['Los Angeles', 'Sacramento', 'Fresno', 'San Diego'],
  TX: ['Houston', 'Austin', 'El Paso', 'Dallas'],
  FL: ['Miami', 'Tampa', 'Orlando', 'Jacksonville'],
  NY: ['Buffalo', 'Albany', 'Rochester', 'Brooklyn'],
  IL: ['Chicago', 'Peoria', 'Springfield'],
  PA: ['Philadelphia', 'Pittsburgh', 'Allentown'],
  GA: ['Atlanta', 'Savannah', 'Macon'],
  OH: ['Columbus', 'Cleveland', 'Toledo'],
  NC: ['Charlotte', 'Raleigh', 'Durham'],
  MI: ['Detroit', 'Lansing', 'Grand Rapids'],
  AZ: ['Phoenix', 'Tucson', 'Mesa'],
  WA: ['Seattle', 'Spokane', 'Tacoma'],
};
// Town names that exist in most states, for a state the table does not list.
const COMMON_CITIES = ['Springfield', 'Franklin', 'Greenville', 'Clinton'];

const FIRST_NAMES = ['Maria', 'James', 'Aisha', 'Robert', 'Mei', 'Daniel', 'Sofia', 'Michael', 'Priya', 'David', 'Elena', 'Marcus', 'Grace', 'Luis', 'Hannah', 'Omar'];
const LAST_NAMES = ['Garcia', 'Johnson', 'Nguyen', 'Smith', 'Patel', 'Williams', 'Kim', 'Brown', 'Lopez', 'Davis', 'Okafor', 'Miller', 'Chen', 'Wilson', 'Rossi', 'Cohen'];
const ORIGINATORS = ['Harbor & Pine LLP', 'Caldwell Injury Group', 'Northgate Legal', 'Reyes Law Office', 'Summit Trial Partners'];
const STAGES = ['Intake', 'Investigation', 'Pre-Litigation'];

const DESCRIPTIONS: Record<string, readonly string[]> = {
  'Motor Vehicle Accident': ['Rear-ended at a red light; neck and back injuries, ongoing physical therapy.', 'T-bone collision at an intersection; other driver cited for running a stop sign.', 'Hit by a commercial truck while merging; fractured wrist and vehicle totalled.'],
  'Personal Injury': ['Fell from a collapsed deck at a rental home; two broken ribs.', 'Burned by a faulty space heater in a motel room.'],
  'Dog Bite Injuries': ["Bitten by a neighbour's unleashed dog; stitches and a course of rabies shots.", 'Child bitten at a park by a dog with a prior complaint.'],
  'Workplace Injuries': ['Hand caught in unguarded machinery at a packaging plant.', 'Fell from a ladder the employer had been told was broken.'],
  "Workers' Compensation": ['Back injury lifting stock in a warehouse; claim denied by the carrier.', 'Repetitive strain injury at an assembly line; employer disputes cause.'],
  'Pedestrian Injuries': ['Struck in a crosswalk by a turning SUV; knee surgery scheduled.', 'Hit by a delivery scooter on the sidewalk.'],
  'Commercial Property Injuries': ['Slip and fall on an unmarked wet floor in a grocery store; hip injury.', 'Trip on a broken stair in a shopping centre car park.'],
  'Construction Accidents': ['Scaffold gave way on a residential site; spinal injury.', 'Struck by falling materials from a crane lift.'],
  'Medical Malpractice': ['Delayed diagnosis of a fracture at urgent care; surgery needed later.', 'Post-operative infection not treated for several days.'],
  'Product Liability': ['Pressure cooker lid blew off during use; burns to face and arms.', 'E-bike battery caught fire while charging.'],
  'Nursing Home Injuries': ['Resident developed untreated pressure sores over two months.', 'Unattended fall at a care home; hip fracture.'],
  'Family Law': ['Custody dispute after relocation out of state.', 'Contested divorce with a family business to divide.'],
  'Social Injustice': ['Denied housing after disclosing a disability.'],
  'Criminal Law': ['Charged with a DUI after a traffic stop; first offence.', 'Misdemeanour assault charge after a bar altercation.'],
  Bankruptcy: ['Medical debt after an uninsured surgery; considering Chapter 7.'],
  'Landlord-Tenant Disputes': ['Deposit withheld without an itemised list; tenant moved out in good standing.', 'Eviction notice served without the required cure period.'],
  'Wills and Trusts': ['Contesting a will changed weeks before the testator died.'],
  'Civil Litigation': ['Contractor abandoned a home renovation after taking a deposit.'],
  Other: ['Matter does not fit a listed practice area; details on request.'],
};

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function client(random: Random, index: number) {
  const firstName = random.pick(FIRST_NAMES);
  const lastName = random.pick(LAST_NAMES);
  // 555-01xx numbers and example.com addresses are reserved for fiction: no real person is named.
  return {
    firstName,
    lastName,
    email: `${firstName}.${lastName}.${index}@example.com`.toLowerCase(),
    phone: `+1555${String(random.int(100, 199)).padStart(3, '0')}${String(random.int(0, 9999)).padStart(4, '0')}`,
  };
}

/** Invitation `index` of `seed`, sent at `sentAtMs`, as the Lexamica-side object (status open). */
export function createInvitationDoc(seed: number, epoch: number, index: number, mix: ScenarioOptions, sentAtMs: number): InvitationDoc {
  const random = createRandom(deriveSeed(seed, 'invitation', index));
  const caseType = random.weighted(mix.caseTypes);
  const state = random.pick(mix.states);
  const originator = random.int(0, ORIGINATORS.length - 1);
  const expiresIn = random.int(mix.expiryMs.min, mix.expiryMs.max);
  // Log-uniform: many small cases, a few large ones, as in real referral flow.
  const value = Math.exp(random.between(Math.log(mix.value.min), Math.log(mix.value.max)));
  return {
    _id: deriveHex(24, seed, epoch, 'invitation', index),
    status: 'open',
    accepted: false,
    declined: false,
    expires: new Date(sentAtMs + expiresIn).toISOString(),
    sentAt: new Date(sentAtMs).toISOString(),
    referral: {
      _id: deriveHex(24, seed, epoch, 'case', index),
      caseType,
      description: random.pick(DESCRIPTIONS[caseType] ?? ['Personal injury matter referred for representation.']),
      incident: { date: isoDate(sentAtMs - random.int(1, 700) * DAY), state, city: random.pick(CITIES[state] ?? COMMON_CITIES) },
      estimatedValue: Math.max(mix.value.min, Math.min(mix.value.max, Math.round(value / 100) * 100)),
      client: client(random, index),
      originator: { _id: deriveHex(24, seed, 'originator', originator), name: ORIGINATORS[originator]! },
      stage: random.pick(STAGES),
    },
  };
}
