//! Integration tests for the supply plan: data-driven cases and property tests.

mod cases;
mod props;

use supply::{
    plan, Binding, GenerationInputs, SharedInputs, SplitPolicy, SupplyError, SupplyPlan, YieldRamp,
};

/// A generation described with defaults: 10 gross dies/wafer, 100% yield, no lead time,
/// 1 HBM stack per chip, 1 chip per unit, no initial dies, ships from period 0.
#[derive(Clone, Debug)]
pub struct Gen {
    pub name: &'static str,
    pub wafers: Vec<u64>,
    pub gross: u32,
    /// (start_bp, end_bp, ramp_periods, ramp_start_period)
    pub ramp: (u32, u32, u32, u32),
    pub lead: u32,
    pub stacks: u32,
    pub chips_per_unit: u32,
    pub initial_dies: u64,
    pub first_ship: u32,
}

pub fn gen(name: &'static str, wafers: &[u64]) -> Gen {
    Gen {
        name,
        wafers: wafers.to_vec(),
        gross: 10,
        ramp: (10_000, 10_000, 0, 0),
        lead: 0,
        stacks: 1,
        chips_per_unit: 1,
        initial_dies: 0,
        first_ship: 0,
    }
}

impl Gen {
    pub fn build(&self) -> Result<GenerationInputs, SupplyError> {
        let (a, b, c, d) = self.ramp;
        Ok(GenerationInputs::new(
            self.name,
            self.wafers.clone(),
            self.gross,
            YieldRamp::new(a, b, c, d)?,
            self.stacks,
            self.chips_per_unit,
        )?
        .with_lead_time_periods(self.lead)
        .with_initial_dies(self.initial_dies)
        .with_first_ship_period(self.first_ship))
    }
}

/// A whole planning problem.
#[derive(Clone, Debug)]
pub struct Input {
    pub gens: Vec<Gen>,
    pub hbm: Vec<u64>,
    pub packaging: Vec<u64>,
    pub initial_hbm: u64,
    pub policy: SplitPolicy,
}

impl Input {
    /// One period count for all; priority in index order.
    pub fn new(gens: Vec<Gen>, hbm: &[u64], packaging: &[u64]) -> Self {
        let n = gens.len();
        Input {
            gens,
            hbm: hbm.to_vec(),
            packaging: packaging.to_vec(),
            initial_hbm: 0,
            policy: SplitPolicy::Priority((0..n).collect()),
        }
    }

    pub fn policy(mut self, policy: SplitPolicy) -> Self {
        self.policy = policy;
        self
    }

    pub fn initial_hbm(mut self, stacks: u64) -> Self {
        self.initial_hbm = stacks;
        self
    }

    pub fn run(&self) -> Result<SupplyPlan, SupplyError> {
        let gens = self
            .gens
            .iter()
            .map(Gen::build)
            .collect::<Result<Vec<_>, _>>()?;
        let shared = SharedInputs::new(self.hbm.clone(), self.packaging.clone(), self.initial_hbm)?;
        plan(&gens, &shared, &self.policy, self.hbm.len() as u32)
    }
}

/// Expected outputs; `None` fields are not checked.
#[derive(Default, Debug)]
pub struct Expect {
    pub chips: Option<Vec<Vec<u64>>>,
    pub units: Option<Vec<Vec<u64>>>,
    pub binding: Option<Vec<Vec<Binding>>>,
    pub overall: Option<Vec<Binding>>,
    pub dies_arrived: Option<Vec<Vec<u64>>>,
    pub dies_carried: Option<Vec<Vec<u64>>>,
    pub hbm_carried: Option<Vec<u64>>,
    pub pipeline_at_end: Option<Vec<u64>>,
    pub explain: Vec<(usize, &'static str)>,
}

fn per_gen<T: Clone>(p: &SupplyPlan, f: impl Fn(&supply::GenerationPlan) -> &[T]) -> Vec<Vec<T>> {
    p.generations().iter().map(|g| f(g).to_vec()).collect()
}

/// Runs the input and compares every expected field; also checks conservation.
pub fn check(input: &Input, expect: Expect) -> SupplyPlan {
    let p = input.run().expect("valid input");
    assert!(p.is_conserved(), "not conserved");
    if let Some(e) = expect.chips {
        assert_eq!(per_gen(&p, |g| g.chips()), e, "chips");
    }
    if let Some(e) = expect.units {
        assert_eq!(per_gen(&p, |g| g.units()), e, "units");
    }
    if let Some(e) = expect.binding {
        assert_eq!(per_gen(&p, |g| g.binding()), e, "binding");
    }
    if let Some(e) = expect.overall {
        assert_eq!(p.overall_binding(), e.as_slice(), "overall binding");
    }
    if let Some(e) = expect.dies_arrived {
        assert_eq!(per_gen(&p, |g| g.dies_arrived()), e, "dies arrived");
    }
    if let Some(e) = expect.dies_carried {
        assert_eq!(per_gen(&p, |g| g.dies_carried()), e, "dies carried");
    }
    if let Some(e) = expect.hbm_carried {
        assert_eq!(p.hbm_carried(), e.as_slice(), "hbm carried");
    }
    if let Some(e) = expect.pipeline_at_end {
        let got: Vec<u64> = p
            .generations()
            .iter()
            .map(|g| g.dies_in_pipeline_at_end())
            .collect();
        assert_eq!(got, e, "pipeline at end");
    }
    for (t, s) in expect.explain {
        assert_eq!(p.explain(t).as_deref(), Some(s), "explain({t})");
    }
    p
}
