# Calibration-aware (raking-linearised) standard errors on the committed twin,
# the reference for scsrepro.survey.calibration.
#
# Made with: R 4.2.2 Patched (2022-11-10 r83330), survey 4.1.1
# (Debian packages r-base-core, r-cran-survey).
#
# Rerun from the repository root after the twin or its margins change:
#   python tests/fixtures/make_twin_inputs.py   # twin rows + raking margins
#   Rscript tests/r/calibration.R               # -> tests/fixtures/ref_calibrated_*.csv
#
# The twin is treated as an equal-probability sample, svydesign(ids = ~1,
# weights = ~1), calibrated with calibrate(..., calfun = "raking") on
# age_group (age 14-30 / 31-50 / 51+), gender and region to the book's
# margins times the sample size. Two calibrated designs:
#
#   raking   plain raking (no bounds);
#   bounded  raking with bounds = c(-Inf, 2): the g-weights (here the
#            weights, since the design weights are 1 and the totals add up
#            to n) capped at 2, the book's cap. R's bounded raking converges
#            here, to the book's capped weights (column `weight` of the
#            input, to ~1e-9).
#
# For each design: svymean of the five approval shares, of approving
# (answers 4 or 5), of approval as a number and of abide_regulations (186
# missing: a domain, na.rm = TRUE); svyolr of Table 4's Models 1 and 3 (the
# commands in input_twin_models_commands.csv). `se` is the calibrated
# standard error; `se_fixed` is the usual one on svydesign(ids = ~1,
# weights = ~w) with the same weights treated as fixed. A third design,
# `design_weights`, has unequal weights before calibration (see below).
#
# svyolr on a calibrated design cannot drop incomplete rows itself: it
# subsets the design, which for a calibrated design keeps every row and
# gives the dropped ones weight 0, while its model matrix has only the
# complete rows, so the weights and the rows no longer line up (glm.fit
# stops with "missing value where TRUE/FALSE needed"). So each model is
# fitted on the design subset to its complete rows, with the missing values
# of those weight-0 rows filled by a valid value (they do not enter the fit:
# their weight and influence are 0). That is R's own domain rule for
# calibrated designs (svymean(..., na.rm = TRUE) does the same): the
# calibration uses every row, the influence of the rows left out is zero
# before it is residualised, and n / (n - 1) counts every row of the design.
# The fixed-weight svyolr (se_fixed) drops the rows as usual.
#
# Optimiser settings as in table4_on_twin.R (tight, with an accurate
# numerical Hessian).

suppressMessages(library(survey))
options(digits = 15)

fx <- function(name) file.path("tests", "fixtures", name)
tight <- function(k) list(reltol = 1e-15, maxit = 20000, ndeps = rep(1e-6, k))
MODELS <- c(1, 3)

inp <- read.csv(fx("input_twin_models.csv"))
margins <- read.csv(fx("input_twin_margins.csv"), stringsAsFactors = FALSE)
cmds <- read.csv(fx("input_twin_models_commands.csv"), stringsAsFactors = FALSE)
n <- nrow(inp)

# calibration variables as factors (first level the base, as model.matrix does)
inp$age_group <- cut(inp$age, breaks = c(-Inf, 30, 50, Inf), labels = 1:3)
stopifnot(!anyNA(inp$age_group), inp$age >= 14)
inp$gender_f <- factor(inp$gender)
inp$region_f <- factor(inp$region)
cal_vars <- c(age_group = "age_group", gender = "gender_f", region = "region_f")

# population totals in the order of model.matrix(~age_group + gender_f + region_f)
population <- c("(Intercept)" = n)
for (v in names(cal_vars)) {
  m <- margins[margins$variable == v, ]
  m <- m[order(m$code), ]
  stopifnot(abs(sum(m$share) - 1) < 1e-12,
            identical(as.character(m$code), levels(inp[[cal_vars[[v]]]])))
  tot <- n * m$share[-1]
  names(tot) <- paste0(cal_vars[[v]], m$code[-1])
  population <- c(population, tot)
}
cal_formula <- ~age_group + gender_f + region_f
stopifnot(identical(names(population), colnames(model.matrix(cal_formula, inp))))

base <- svydesign(ids = ~1, weights = ~1, data = inp)
designs <- list(
  raking = calibrate(base, cal_formula, population = population, calfun = "raking",
                     epsilon = 1e-14, maxit = 500),
  bounded = calibrate(base, cal_formula, population = population, calfun = "raking",
                      bounds = c(-Inf, 2), epsilon = 1e-14, maxit = 500)
)
stopifnot(max(abs(weights(designs$bounded) - inp$weight)) < 1e-8)

write.csv(data.frame(row = seq_len(n),
                     raking = unname(weights(designs$raking)),
                     bounded = unname(weights(designs$bounded))),
          fx("ref_calibrated_weights.csv"), row.names = FALSE)

row_of <- function(design, statistic, model, term, estimate, se, se_fixed) {
  data.frame(design = design, statistic = statistic, model = model, term = term,
             estimate = unname(estimate), se = unname(se), se_fixed = unname(se_fixed))
}

means <- function(name, cal) {
  inp$w_cal <- weights(cal)
  fixed <- svydesign(ids = ~1, weights = ~w_cal, data = inp)
  one <- function(f, statistic, term, na.rm = FALSE) {
    a <- svymean(f, cal, na.rm = na.rm)
    b <- svymean(f, fixed, na.rm = na.rm)
    stopifnot(isTRUE(all.equal(coef(a), coef(b), tolerance = 1e-13)))
    row_of(name, statistic, NA, term, coef(a), SE(a), SE(b))
  }
  rbind(one(~factor(approval), "share", as.character(1:5)),
        one(~I(as.numeric(approval >= 4)), "share", "approve_4_5"),
        one(~approval, "mean", "approval"),
        one(~abide_regulations, "mean", "abide_regulations", na.rm = TRUE))
}

olr <- function(name, cal, model) {
  i <- match(model, cmds$model)
  vars <- strsplit(cmds$variables[i], " ")[[1]]
  vars <- setdiff(vars, "weight")
  complete <- complete.cases(inp[, vars])
  # the calibrated design with its incomplete rows filled (they get weight 0 below)
  filled <- cal
  for (v in vars) {
    x <- filled$variables[[v]]
    x[is.na(x)] <- min(x, na.rm = TRUE)
    filled$variables[[v]] <- x
  }
  d <- filled[complete, ]
  stopifnot(sum(weights(d) > 0) == sum(complete), nrow(d$variables) == n)
  command <- sub("design = svydesign(ids = ~1, weights = ~weight, data = d))",
                 "design = d, control = ctl)", cmds$command[i], fixed = TRUE)
  stopifnot(command != cmds$command[i])
  first <- eval(parse(text = sub(", control = ctl)", ")", command, fixed = TRUE)))
  ctl <- tight(length(coef(first)))
  fit <- eval(parse(text = command))
  # the same weights, fixed, on the complete rows
  inp$w_cal <- weights(cal)
  dd <- inp[complete, ]
  fixed_command <- sub("weights = ~weight, data = d))", "weights = ~w_cal, data = dd), control = ctl)",
                       cmds$command[i], fixed = TRUE)
  stopifnot(fixed_command != cmds$command[i])
  fixed <- eval(parse(text = fixed_command))
  est <- coef(fit)  # slopes, then the cut points "1|2" ... "4|5"
  stopifnot(isTRUE(all.equal(est, coef(fixed)[names(est)], tolerance = 1e-7)))
  se <- sqrt(diag(vcov(fit)))[names(est)]
  se_fixed <- sqrt(diag(vcov(fixed)))[names(est)]
  rbind(row_of(name, "ologit", model, names(est), est, se, se_fixed),
        row_of(name, "ologit", model, "nobs", sum(complete), NA, NA))
}

out <- NULL
for (name in names(designs)) {
  out <- rbind(out, means(name, designs[[name]]))
  for (model in MODELS) out <- rbind(out, olr(name, designs[[name]], model))
}

# Unequal design weights (the twin's are all 1, where the regression weights
# of the residualisation do not show): the seeded raking input of
# make_fixtures.R, raked on age_group and gender only, and the shares of
# region, which is not a calibration variable. Design "design_weights".
r <- read.csv(fx("input_rake.csv"), stringsAsFactors = FALSE)
margins_r <- read.csv(fx("input_rake_margins.csv"), stringsAsFactors = FALSE)
r$age_group <- factor(r$age_group)
r$gender <- factor(r$gender)
N <- sum(r$design_weight)
pop_r <- c("(Intercept)" = N)
for (v in c("age_group", "gender")) {
  m <- margins_r[margins_r$variable == v, ]
  m <- m[match(levels(r[[v]]), m$level), ]
  tot <- N * m$share[-1]
  names(tot) <- paste0(v, m$level[-1])
  pop_r <- c(pop_r, tot)
}
des_r <- svydesign(ids = ~1, weights = ~design_weight, data = r)
cal_r <- calibrate(des_r, ~age_group + gender, population = pop_r, calfun = "raking",
                   epsilon = 1e-14, maxit = 500)
r$w_cal <- weights(cal_r)
a <- svymean(~factor(region), cal_r)
b <- svymean(~factor(region), svydesign(ids = ~1, weights = ~w_cal, data = r))
out <- rbind(out, row_of("design_weights", "share", NA, sub("factor(region)", "", names(coef(a)), fixed = TRUE),
                         coef(a), SE(a), SE(b)))
write.csv(out, fx("ref_calibrated_estimates.csv"), row.names = FALSE)
