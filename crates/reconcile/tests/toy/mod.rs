//! A second target, written only here to prove the seam: a "database" is
//! an entry in memory holding a schema, the point strata recorded and what
//! it keeps of dropped tables and columns; a plan is the list of statements
//! it would run, which it records as it applies them. It knows nothing of
//! SQLite, and the reconciler drives it exactly as it drives SQLite.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

// The toy speaks its ledgers' dialect, SQLite's: names and SQL text follow
// that dialect's rules. Everything else about it is its own.
use strata_dialect::sqlite::RULES;
use strata_schema::{differences, project, Difference, Op, Schema};
use strata_target::{
    Applied, Archived, Database, Kept, Legacy, Lineage, Loss, Mover, Plan, Position, Restored,
    Scratch, Stage, Step, Target, TargetError,
};

/// A table whose name starts so is one the toy refuses, as SQLite refuses
/// what the model accepts.
pub const REFUSED_PREFIX: &str = "refused_";

/// One toy database.
#[derive(Debug, Clone, Default)]
pub struct State {
    pub schema: Schema,
    pub position: Option<Position>,
    /// Every statement applied, in order.
    pub ran: Vec<String>,
    /// What it keeps: the op that archived it, and what.
    pub archives: Vec<(Lineage, String, Option<String>)>,
    /// The point and schema the last apply left.
    pub seal: Option<(Position, Schema)>,
}

/// The toy target: its databases, by location.
#[derive(Debug, Clone, Default)]
pub struct Toy {
    dbs: Arc<Mutex<BTreeMap<PathBuf, State>>>,
}

impl Toy {
    pub fn state(&self, location: &Path) -> Option<State> {
        self.lock().get(location).cloned()
    }

    pub fn set(&self, location: &Path, state: State) {
        self.lock().insert(location.to_path_buf(), state);
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<PathBuf, State>> {
        self.dbs.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToyError {
    Exists(String),
    Moved,
    Refused(Stage, String),
    Mismatch(String),
}

impl fmt::Display for ToyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ToyError::Exists(p) => write!(f, "{p} exists"),
            ToyError::Moved => write!(f, "the database moved meanwhile"),
            ToyError::Refused(_, why) => write!(f, "the toy refuses {why}"),
            ToyError::Mismatch(d) => write!(f, "after applying: {d}"),
        }
    }
}

impl std::error::Error for ToyError {}

impl TargetError for ToyError {
    fn moved(&self) -> bool {
        *self == ToyError::Moved
    }

    fn stage(&self) -> Option<Stage> {
        match self {
            ToyError::Refused(stage, _) => Some(*stage),
            _ => None,
        }
    }
}

/// The statements that carry `schema` through `steps`, the schema after
/// them, and what they archive and take back (by lineage, from `kept`).
type Planned = (Vec<String>, Schema, Vec<Lineage>, Vec<Lineage>);

fn run(
    schema: &Schema,
    steps: &[Step],
    kept: &[Lineage],
    stage: Stage,
) -> Result<Planned, ToyError> {
    let mut schema = schema.clone();
    let (mut statements, mut archives, mut restores) = (Vec::new(), Vec::new(), Vec::new());
    for step in steps {
        for (i, op) in step.ops.iter().enumerate() {
            let lineage = step.lineage_of(i);
            if let Op::CreateTable { table } = op {
                if table.name.starts_with(REFUSED_PREFIX) {
                    return Err(ToyError::Refused(stage, format!("table {}", table.name)));
                }
            }
            project(RULES, &mut schema, op).map_err(|e| ToyError::Refused(stage, e.to_string()))?;
            let mut line = format!("{lineage}: {}", op.kind());
            match op {
                Op::DropTable { .. } | Op::DropColumn { .. } => archives.push(lineage),
                Op::CreateTable { .. } | Op::AddColumn { .. }
                    if kept.contains(&lineage.inverse()) =>
                {
                    restores.push(lineage.inverse());
                    line.push_str(" (restored)");
                }
                _ => {}
            }
            statements.push(line);
        }
    }
    Ok((statements, schema, archives, restores))
}

pub struct ToyDb {
    toy: Toy,
    location: PathBuf,
}

impl ToyDb {
    fn state(&self) -> State {
        self.toy.state(&self.location).unwrap_or_default()
    }
}

pub struct ToyPlan {
    statements: Vec<String>,
    schema: Schema,
    archives: Vec<Lineage>,
    restores: Vec<Lineage>,
    note: Option<String>,
}

impl Plan for ToyPlan {
    fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }

    fn sql(&self) -> String {
        self.statements.join("\n")
    }

    fn losses(&self) -> &[Loss] {
        &[]
    }

    fn set_note(&mut self, note: String) {
        self.note = Some(note);
    }
}

impl Target for Toy {
    type Database = ToyDb;
    type Scratch = ToyScratch;
    type Error = ToyError;

    fn dialect(&self) -> &'static str {
        "toy"
    }

    fn engine(&self) -> &'static str {
        "toy"
    }

    fn open(&self, location: &Path) -> Result<ToyDb, ToyError> {
        let mut dbs = self.lock();
        dbs.entry(location.to_path_buf()).or_default();
        Ok(ToyDb {
            toy: self.clone(),
            location: location.to_path_buf(),
        })
    }

    fn create(&self, location: &Path) -> Result<ToyDb, ToyError> {
        if self.state(location).is_some() {
            return Err(ToyError::Exists(location.display().to_string()));
        }
        self.open(location)
    }

    fn render(&self, schema: &Schema) -> Vec<String> {
        schema
            .tables
            .values()
            .map(|t| format!("table {}", t.name))
            .collect()
    }

    fn difference(&self, d: &Difference) -> String {
        format!("{} {}: {:?}", d.kind, d.name, d.change)
    }

    fn change(&self, change: &strata_schema::diff::Change) -> String {
        format!("{change:?}")
    }

    fn statements(&self, from: &Schema, steps: &[Step]) -> Result<Vec<String>, ToyError> {
        Ok(run(from, steps, &[], Stage::Event)?.0)
    }

    fn read_schema(&self, location: &Path) -> Result<Schema, ToyError> {
        Ok(self.state(location).unwrap_or_default().schema)
    }

    fn scratch(&self, schema: &Schema) -> Result<ToyScratch, ToyError> {
        if let Some(t) = schema
            .tables
            .values()
            .find(|t| t.name.starts_with(REFUSED_PREFIX))
        {
            return Err(ToyError::Refused(
                Stage::Before,
                format!("table {}", t.name),
            ));
        }
        Ok(ToyScratch {
            schema: schema.clone(),
        })
    }

    fn reach(&self, schema: &Schema, _: &mut dyn Iterator<Item = &Op>) -> Schema {
        schema.clone()
    }
}

impl Database for ToyDb {
    type Plan = ToyPlan;
    type Error = ToyError;

    fn name(&self) -> String {
        self.location.display().to_string()
    }

    fn position(&self) -> Result<Option<Position>, ToyError> {
        Ok(self.state().position)
    }

    fn introspect(&self) -> Result<Schema, ToyError> {
        Ok(self.state().schema)
    }

    fn sealed(&self) -> Result<bool, ToyError> {
        let state = self.state();
        Ok(match (&state.seal, state.position) {
            (Some((at, schema)), Some(position)) => *at == position && *schema == state.schema,
            _ => false,
        })
    }

    fn plan(&self, from: &Schema, steps: &[Step], _: Legacy<'_>) -> Result<ToyPlan, ToyError> {
        let kept: Vec<Lineage> = self.state().archives.iter().map(|a| a.0).collect();
        let (statements, schema, archives, restores) = run(from, steps, &kept, Stage::Event)?;
        Ok(ToyPlan {
            statements,
            schema,
            archives,
            restores,
            note: None,
        })
    }

    fn apply(
        &mut self,
        plan: &ToyPlan,
        from: Option<&Position>,
        to: &Position,
        target: &Schema,
        _: &Mover,
    ) -> Result<Applied, ToyError> {
        let mut state = self.state();
        if state.position.as_ref() != from {
            return Err(ToyError::Moved);
        }
        if let Some(d) = differences(RULES, target, &plan.schema).first() {
            return Err(ToyError::Mismatch(self.toy.difference(d)));
        }
        let mut archived = Vec::new();
        for l in &plan.archives {
            state.archives.push((*l, "toy".to_string(), None));
            archived.push(Archived {
                table: format!("{l}"),
                column: None,
                kind: "toy".to_string(),
                rows: 0,
                archive_table: format!("archive of {l}"),
            });
        }
        let mut restored = Vec::new();
        for l in &plan.restores {
            if let Some(at) = state.archives.iter().rposition(|a| a.0 == *l) {
                state.archives.remove(at);
                restored.push(Restored {
                    table: format!("{l}"),
                    column: None,
                    rows: 0,
                    kept: 0,
                    archive_table: format!("archive of {l}"),
                });
            }
        }
        state.schema = plan.schema.clone();
        state.position = Some(*to);
        state.seal = Some((*to, state.schema.clone()));
        state.ran.extend(plan.statements.iter().cloned());
        self.toy.set(&self.location, state);
        Ok(Applied {
            statements: plan.statements.len(),
            archived,
            restored,
        })
    }

    fn archives(&self, _: Legacy<'_>) -> Result<Vec<Kept>, ToyError> {
        Ok(self
            .state()
            .archives
            .iter()
            .enumerate()
            .map(|(i, (l, table, column))| Kept {
                id: i as i64,
                seq: l.seq,
                op: l.op,
                kind: "toy".to_string(),
                table: table.clone(),
                column: column.clone(),
                archive_table: format!("archive of {l}"),
                lineage: *l,
                rows: 0,
                bytes: 0,
                created_at: String::new(),
            })
            .collect())
    }

    fn purge(&mut self, before: u64, legacy: Legacy<'_>) -> Result<Vec<Kept>, ToyError> {
        let gone: Vec<Kept> = self
            .archives(legacy)?
            .into_iter()
            .filter(|k| k.seq <= before)
            .collect();
        let mut state = self.state();
        state.archives.retain(|a| a.0.seq > before);
        self.toy.set(&self.location, state);
        Ok(gone)
    }

    fn discard(self) -> Result<(), ToyError> {
        self.toy.lock().remove(&self.location);
        Ok(())
    }
}

pub struct ToyScratch {
    schema: Schema,
}

impl Scratch for ToyScratch {
    type Error = ToyError;

    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn forward(&mut self, steps: &[Step]) -> Result<(), ToyError> {
        self.schema = run(&self.schema, steps, &[], Stage::Event)?.1;
        Ok(())
    }

    fn undo(&mut self, steps: &[Step], back_to: &Schema) -> Result<(), ToyError> {
        self.schema = run(&self.schema, steps, &[], Stage::Undo)?.1;
        match differences(RULES, back_to, &self.schema).first() {
            Some(d) => Err(ToyError::Refused(
                Stage::Undo,
                format!("{} {}", d.kind, d.name),
            )),
            None => Ok(()),
        }
    }
}
