//! The tiny formula language of computed indicators.
//!
//! ```text
//! expr    := or
//! or      := and ("or" and)*
//! and     := cmp ("and" cmp)*
//! cmp     := sum (("<" | "<=" | ">" | ">=" | "==" | "!=") sum)?
//! sum     := product (("+" | "-") product)*
//! product := unary (("*" | "/") unary)*
//! unary   := "-" unary | primary
//! primary := NUMBER | NAME | "(" expr ")"
//! NAME    := [A-Za-z_][A-Za-z0-9_.]*      (a declared variable or an indicator id)
//! ```
//!
//! Why hand-written rather than a crate such as `evalexpr` or `rhai`: those evaluate with
//! floats and offer function calls, loops or assignment, while a criteria file is data written
//! by officers and must not be able to do more than arithmetic and comparison. This grammar
//! has no calls, no loops and no assignment, so every formula terminates; it computes with
//! exact fractions ([`Number`]), so `2 / 3 * 100 >= 66.67` is false, as it is on paper; it is
//! type-checked when the file is loaded, so a set with a bad formula never reaches evaluation;
//! and it is some 300 lines with no dependency, which keeps the domain crate pure.

use std::fmt;

use super::number::{ArithmeticError, Number};

/// Why a formula could not be read. `at` is the byte offset in the formula.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExprError {
    #[error("công thức lỗi ở vị trí {at}: {reason}")]
    Syntax { at: usize, reason: String },
    #[error("công thức dùng tên \"{0}\" chưa được khai báo (không phải biến dữ liệu hay mã chỉ tiêu)")]
    UnknownName(String),
    #[error("công thức sai kiểu: {0}")]
    Type(String),
}

/// What a name in a formula stands for, as told by the set that owns it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    Number,
    Bool,
}

/// A value computed by a formula.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    Number(Number),
    Bool(bool),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    And,
    Or,
}

impl BinOp {
    fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::And => "and",
            BinOp::Or => "or",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    Num(Number),
    Name(String),
    Neg(Box<Node>),
    Bin(BinOp, Box<Node>, Box<Node>),
}

/// A parsed and type-checked formula.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expr {
    source: String,
    root: Node,
    ty: ValueType,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(Number),
    Name(String),
    Op(&'static str),
    LParen,
    RParen,
}

fn lex(src: &str) -> Result<Vec<(usize, Tok)>, ExprError> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let start = i;
        if b.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if b.is_ascii_digit() {
            while bytes.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'.') {
                i += 1;
            }
            let text = src.get(start..i).unwrap_or_default();
            let n = Number::parse(text).map_err(|e| ExprError::Syntax { at: start, reason: e.to_string() })?;
            out.push((start, Tok::Num(n)));
            continue;
        }
        if b.is_ascii_alphabetic() || b == b'_' {
            while bytes.get(i).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'.') {
                i += 1;
            }
            let text = src.get(start..i).unwrap_or_default();
            let tok = match text {
                "and" => Tok::Op("and"),
                "or" => Tok::Op("or"),
                _ => Tok::Name(text.to_string()),
            };
            out.push((start, tok));
            continue;
        }
        let two = src.get(i..i + 2).unwrap_or("");
        let tok = match (two, b) {
            (">=", _) => Tok::Op(">="),
            ("<=", _) => Tok::Op("<="),
            ("==", _) => Tok::Op("=="),
            ("!=", _) => Tok::Op("!="),
            (_, b'>') => Tok::Op(">"),
            (_, b'<') => Tok::Op("<"),
            (_, b'+') => Tok::Op("+"),
            (_, b'-') => Tok::Op("-"),
            (_, b'*') => Tok::Op("*"),
            (_, b'/') => Tok::Op("/"),
            (_, b'(') => Tok::LParen,
            (_, b')') => Tok::RParen,
            _ => {
                let ch = src.get(i..).and_then(|s| s.chars().next()).unwrap_or('?');
                return Err(ExprError::Syntax { at: i, reason: format!("ký tự không được phép \"{ch}\"") });
            }
        };
        i += match tok {
            Tok::Op(s) => s.len(),
            _ => 1,
        };
        out.push((start, tok));
    }
    Ok(out)
}

struct Parser<'a> {
    toks: &'a [(usize, Tok)],
    pos: usize,
    end: usize,
    depth: usize,
}

/// Nesting deeper than this is refused, so a hostile file cannot overflow the stack.
const MAX_DEPTH: usize = 64;

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(_, t)| t)
    }
    fn at(&self) -> usize {
        self.toks.get(self.pos).map_or(self.end, |(a, _)| *a)
    }
    fn err<T>(&self, reason: &str) -> Result<T, ExprError> {
        Err(ExprError::Syntax { at: self.at(), reason: reason.to_string() })
    }
    fn eat_op(&mut self, ops: &[&'static str]) -> Option<&'static str> {
        if let Some(Tok::Op(o)) = self.peek()
            && let Some(found) = ops.iter().find(|x| *x == o)
        {
            self.pos += 1;
            return Some(found);
        }
        None
    }
    fn binary(&mut self, ops: &[&'static str], next: fn(&mut Self) -> Result<Node, ExprError>) -> Result<Node, ExprError> {
        let mut left = next(self)?;
        while let Some(op) = self.eat_op(ops) {
            let right = next(self)?;
            left = Node::Bin(op_of(op), Box::new(left), Box::new(right));
        }
        Ok(left)
    }
    fn or(&mut self) -> Result<Node, ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.err("lồng ngoặc quá sâu");
        }
        let r = self.binary(&["or"], Self::and);
        self.depth -= 1;
        r
    }
    fn and(&mut self) -> Result<Node, ExprError> {
        self.binary(&["and"], Self::cmp)
    }
    fn cmp(&mut self) -> Result<Node, ExprError> {
        let left = self.sum()?;
        if let Some(op) = self.eat_op(&["<", "<=", ">", ">=", "==", "!="]) {
            let right = self.sum()?;
            if matches!(self.peek(), Some(Tok::Op("<" | "<=" | ">" | ">=" | "==" | "!="))) {
                return self.err("không được nối hai phép so sánh; dùng \"and\"");
            }
            return Ok(Node::Bin(op_of(op), Box::new(left), Box::new(right)));
        }
        Ok(left)
    }
    fn sum(&mut self) -> Result<Node, ExprError> {
        self.binary(&["+", "-"], Self::product)
    }
    fn product(&mut self) -> Result<Node, ExprError> {
        self.binary(&["*", "/"], Self::unary)
    }
    fn unary(&mut self) -> Result<Node, ExprError> {
        if self.eat_op(&["-"]).is_some() {
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return self.err("lồng quá sâu");
            }
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Node::Neg(Box::new(inner)));
        }
        self.primary()
    }
    fn primary(&mut self) -> Result<Node, ExprError> {
        match self.toks.get(self.pos).map(|(_, t)| t.clone()) {
            Some(Tok::Num(n)) => {
                self.pos += 1;
                Ok(Node::Num(n))
            }
            Some(Tok::Name(n)) => {
                self.pos += 1;
                Ok(Node::Name(n))
            }
            Some(Tok::LParen) => {
                self.pos += 1;
                let inner = self.or()?;
                if !matches!(self.peek(), Some(Tok::RParen)) {
                    return self.err("thiếu dấu \")\"");
                }
                self.pos += 1;
                Ok(inner)
            }
            Some(Tok::RParen) => self.err("dấu \")\" thừa"),
            Some(Tok::Op(o)) => self.err(&format!("thiếu số hoặc tên trước \"{o}\"")),
            None => self.err("công thức kết thúc giữa chừng"),
        }
    }
}

fn op_of(s: &str) -> BinOp {
    match s {
        "+" => BinOp::Add,
        "-" => BinOp::Sub,
        "*" => BinOp::Mul,
        "/" => BinOp::Div,
        "<" => BinOp::Lt,
        "<=" => BinOp::Le,
        ">" => BinOp::Gt,
        ">=" => BinOp::Ge,
        "==" => BinOp::Eq,
        "!=" => BinOp::Ne,
        "and" => BinOp::And,
        _ => BinOp::Or,
    }
}

fn type_of(node: &Node, lookup: &dyn Fn(&str) -> Option<ValueType>) -> Result<ValueType, ExprError> {
    match node {
        Node::Num(_) => Ok(ValueType::Number),
        Node::Name(n) => lookup(n).ok_or_else(|| ExprError::UnknownName(n.clone())),
        Node::Neg(inner) => match type_of(inner, lookup)? {
            ValueType::Number => Ok(ValueType::Number),
            ValueType::Bool => Err(ExprError::Type("dấu trừ đặt trước giá trị đúng/sai".into())),
        },
        Node::Bin(op, l, r) => {
            let (lt, rt) = (type_of(l, lookup)?, type_of(r, lookup)?);
            let want = |t: ValueType, ok: ValueType, what: &str| {
                if t == ok { Ok(()) } else { Err(ExprError::Type(format!("\"{}\" cần {what}", op.symbol()))) }
            };
            match op {
                BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div => {
                    want(lt, ValueType::Number, "hai số")?;
                    want(rt, ValueType::Number, "hai số")?;
                    Ok(ValueType::Number)
                }
                BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                    want(lt, ValueType::Number, "hai số")?;
                    want(rt, ValueType::Number, "hai số")?;
                    Ok(ValueType::Bool)
                }
                BinOp::Eq | BinOp::Ne => {
                    if lt != rt {
                        return Err(ExprError::Type(format!("\"{}\" so sánh số với đúng/sai", op.symbol())));
                    }
                    Ok(ValueType::Bool)
                }
                BinOp::And | BinOp::Or => {
                    want(lt, ValueType::Bool, "hai điều kiện đúng/sai")?;
                    want(rt, ValueType::Bool, "hai điều kiện đúng/sai")?;
                    Ok(ValueType::Bool)
                }
            }
        }
    }
}

fn collect_names<'a>(node: &'a Node, out: &mut Vec<&'a str>) {
    match node {
        Node::Num(_) => {}
        Node::Name(n) => {
            if !out.contains(&n.as_str()) {
                out.push(n);
            }
        }
        Node::Neg(i) => collect_names(i, out),
        Node::Bin(_, l, r) => {
            collect_names(l, out);
            collect_names(r, out);
        }
    }
}

/// Why a formula could not be computed for one subject.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalExprError {
    #[error("thiếu số liệu \"{0}\"")]
    Missing(String),
    #[error("{0}")]
    Arithmetic(#[from] ArithmeticError),
    #[error("số liệu \"{0}\" sai kiểu")]
    WrongType(String),
}

impl Expr {
    /// Parses `source` and checks its types; `lookup` tells the type of each name the set
    /// declares (`None` for an unknown name).
    pub fn parse(source: &str, lookup: &dyn Fn(&str) -> Option<ValueType>) -> Result<Expr, ExprError> {
        let toks = lex(source)?;
        let mut p = Parser { toks: &toks, pos: 0, end: source.len(), depth: 0 };
        let root = p.or()?;
        if p.pos < toks.len() {
            return p.err("thừa phần sau công thức");
        }
        let ty = type_of(&root, lookup)?;
        Ok(Expr { source: source.to_string(), root, ty })
    }

    /// The type of the result.
    pub fn value_type(&self) -> ValueType {
        self.ty
    }

    /// The formula as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Every name the formula reads, in order of first use.
    pub fn names(&self) -> Vec<&str> {
        let mut out = Vec::new();
        collect_names(&self.root, &mut out);
        out
    }

    /// Computes the formula; `env` gives the value of each name.
    pub fn eval(&self, env: &dyn Fn(&str) -> Option<Value>) -> Result<Value, EvalExprError> {
        eval_node(&self.root, env)
    }
}

fn num(v: Value, what: &Node) -> Result<Number, EvalExprError> {
    match v {
        Value::Number(n) => Ok(n),
        Value::Bool(_) => Err(EvalExprError::WrongType(match what {
            Node::Name(n) => n.clone(),
            _ => "?".into(),
        })),
    }
}

fn boolean(v: Value, what: &Node) -> Result<bool, EvalExprError> {
    match v {
        Value::Bool(b) => Ok(b),
        Value::Number(_) => Err(EvalExprError::WrongType(match what {
            Node::Name(n) => n.clone(),
            _ => "?".into(),
        })),
    }
}

fn eval_node(node: &Node, env: &dyn Fn(&str) -> Option<Value>) -> Result<Value, EvalExprError> {
    match node {
        Node::Num(n) => Ok(Value::Number(*n)),
        Node::Name(n) => env(n).ok_or_else(|| EvalExprError::Missing(n.clone())),
        Node::Neg(i) => Ok(Value::Number(num(eval_node(i, env)?, i)?.checked_neg()?)),
        Node::Bin(op, l, r) => {
            let lv = eval_node(l, env)?;
            // `and` / `or` short-circuit, so "households > 0 and gdht / households >= 0.7" is safe.
            match op {
                BinOp::And if !boolean(lv, l)? => return Ok(Value::Bool(false)),
                BinOp::Or if boolean(lv, l)? => return Ok(Value::Bool(true)),
                _ => {}
            }
            let rv = eval_node(r, env)?;
            Ok(match op {
                BinOp::Add => Value::Number(num(lv, l)?.checked_add(num(rv, r)?)?),
                BinOp::Sub => Value::Number(num(lv, l)?.checked_sub(num(rv, r)?)?),
                BinOp::Mul => Value::Number(num(lv, l)?.checked_mul(num(rv, r)?)?),
                BinOp::Div => Value::Number(num(lv, l)?.checked_div(num(rv, r)?)?),
                BinOp::Lt => Value::Bool(num(lv, l)? < num(rv, r)?),
                BinOp::Le => Value::Bool(num(lv, l)? <= num(rv, r)?),
                BinOp::Gt => Value::Bool(num(lv, l)? > num(rv, r)?),
                BinOp::Ge => Value::Bool(num(lv, l)? >= num(rv, r)?),
                BinOp::Eq => Value::Bool(lv == rv),
                BinOp::Ne => Value::Bool(lv != rv),
                BinOp::And | BinOp::Or => Value::Bool(boolean(rv, r)?),
            })
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(name: &str) -> Option<ValueType> {
        match name {
            "households" | "households_gdht" => Some(ValueType::Number),
            "TC1.CT1" => Some(ValueType::Bool),
            _ => None,
        }
    }

    fn env(name: &str) -> Option<Value> {
        match name {
            "households" => Some(Value::Number(Number::integer(300))),
            "households_gdht" => Some(Value::Number(Number::integer(209))),
            "TC1.CT1" => Some(Value::Bool(true)),
            _ => None,
        }
    }

    #[test]
    fn percentage_formula_is_exact() {
        let e = Expr::parse("households_gdht / households * 100 >= 70", &vars);
        assert!(matches!(&e, Ok(e) if e.value_type() == ValueType::Bool));
        // 209 / 300 = 69.666…%: below 70, even though a rounded display would say 69,67.
        assert_eq!(e.map(|e| e.eval(&env)), Ok(Ok(Value::Bool(false))));
    }

    #[test]
    fn precedence_and_parentheses_follow_arithmetic() {
        let e = Expr::parse("-(1 + 2) * 3 - 4 / 2", &vars).map(|e| e.eval(&env));
        assert_eq!(e, Ok(Ok(Value::Number(Number::integer(-11)))));
        let e = Expr::parse("TC1.CT1 and households > 0 or 1 > 2", &vars).map(|e| e.eval(&env));
        assert_eq!(e, Ok(Ok(Value::Bool(true))));
    }

    #[test]
    fn bad_formulas_are_refused_with_a_position() {
        assert!(matches!(Expr::parse("1 +", &vars), Err(ExprError::Syntax { at: 3, .. })));
        assert!(matches!(Expr::parse("(1", &vars), Err(ExprError::Syntax { .. })));
        assert!(matches!(Expr::parse("1 ; 2", &vars), Err(ExprError::Syntax { at: 2, .. })));
        assert!(matches!(Expr::parse("pow(2)", &vars), Err(ExprError::Syntax { .. })));
        assert_eq!(Expr::parse("x + 1", &vars), Err(ExprError::UnknownName("x".into())));
        assert!(matches!(Expr::parse("TC1.CT1 + 1", &vars), Err(ExprError::Type(_))));
        assert!(matches!(Expr::parse("1 < 2 < 3", &vars), Err(ExprError::Syntax { .. })));
        let deep = format!("{}1{}", "(".repeat(500), ")".repeat(500));
        assert!(matches!(Expr::parse(&deep, &vars), Err(ExprError::Syntax { .. })));
    }

    #[test]
    fn division_by_zero_is_an_error_not_a_panic() {
        let e = Expr::parse("households_gdht / (households - 300)", &vars).map(|e| e.eval(&env));
        assert_eq!(e, Ok(Err(EvalExprError::Arithmetic(ArithmeticError::DivisionByZero))));
    }
}
