"""The knowledge base: the I/O, model and config APIs of the ML ecosystem, as data in one place.

Rules and the fact extractor look things up here instead of hard-coding API names. Users extend the
reader/writer tables from config (`[tool.mldebt.knowledge]`), see `extend_from_config`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class IOSpec:
    """How one API touches an artifact.

    `arg`/`kw`: where the path (or table/URI) argument is; `value_arg`/`value_kw`: the object written
    (None with `value_is_receiver` for `df.to_csv(...)`); `path_is_receiver` for `Path(p).read_text()`.
    """

    direction: str  # "read", "write", "execute", "doc" (a config loader: read + parse)
    kind: str = "file"  # "file", "table", "model", "url", "hf", "notebook", "sql"
    arg: int | None = 0
    kw: tuple[str, ...] = ()
    value_arg: int | None = None
    value_kw: tuple[str, ...] = ()
    value_is_receiver: bool = False
    path_is_receiver: bool = False
    also_writes_arg: int | None = None  # papermill's output notebook, urlretrieve's file
    also_writes_kw: tuple[str, ...] = ()


_PANDAS_PATH_KW = ("filepath_or_buffer", "path", "io", "path_or_buf", "path_or_buffer")
_R = IOSpec("read", kw=_PANDAS_PATH_KW)

# Fully qualified functions (after import aliases are resolved).
FUNCTIONS: dict[str, IOSpec] = {}
for _reader in ("csv", "table", "parquet", "json", "excel", "pickle", "feather", "hdf", "orc", "stata", "sas",
                "spss", "fwf", "xml", "html", "clipboard"):
    FUNCTIONS[f"pandas.read_{_reader}"] = _R
    FUNCTIONS[f"dask.dataframe.read_{_reader}"] = _R
    FUNCTIONS[f"modin.pandas.read_{_reader}"] = _R
for _reader in ("csv", "parquet", "json", "ndjson", "ipc", "excel", "avro", "delta"):
    FUNCTIONS[f"polars.read_{_reader}"] = IOSpec("read", kw=("source", "file"))
    FUNCTIONS[f"polars.scan_{_reader}"] = IOSpec("read", kw=("source", "file"))
FUNCTIONS.update({
    "pandas.read_sql": IOSpec("read", "sql", kw=("sql",)),
    "pandas.read_sql_query": IOSpec("read", "sql", kw=("sql",)),
    "pandas.read_sql_table": IOSpec("read", "table", kw=("table_name",)),
    "polars.read_database": IOSpec("read", "sql", kw=("query",)),
    "numpy.load": IOSpec("read", kw=("file",)),
    "numpy.loadtxt": IOSpec("read", kw=("fname",)),
    "numpy.genfromtxt": IOSpec("read", kw=("fname",)),
    "numpy.fromfile": IOSpec("read", kw=("file",)),
    "numpy.memmap": IOSpec("read", kw=("filename",)),  # direction from its `mode`, as for open()
    "numpy.save": IOSpec("write", kw=("file",), value_arg=1, value_kw=("arr",)),
    "numpy.savez": IOSpec("write", kw=("file",), value_arg=1),
    "numpy.savez_compressed": IOSpec("write", kw=("file",), value_arg=1),
    "numpy.savetxt": IOSpec("write", kw=("fname",), value_arg=1, value_kw=("X",)),
    "open": IOSpec("read", kw=("file",)),  # direction decided by the mode argument
    "io.open": IOSpec("read", kw=("file",)),
    "codecs.open": IOSpec("read", kw=("filename",)),
    "gzip.open": IOSpec("read", kw=("filename",)),
    "joblib.load": IOSpec("read", "model", kw=("filename",)),
    "joblib.dump": IOSpec("write", "model", arg=1, kw=("filename",), value_arg=0, value_kw=("value",)),
    "sklearn.externals.joblib.load": IOSpec("read", "model", kw=("filename",)),
    "sklearn.externals.joblib.dump": IOSpec("write", "model", arg=1, kw=("filename",), value_arg=0),
    "torch.load": IOSpec("read", "model", kw=("f",)),
    "torch.save": IOSpec("write", "model", arg=1, kw=("f",), value_arg=0, value_kw=("obj",)),
    "torch.jit.load": IOSpec("read", "model", kw=("f",)),
    "torch.jit.save": IOSpec("write", "model", arg=1, kw=("f",), value_arg=0),
    "tensorflow.keras.models.load_model": IOSpec("read", "model", kw=("filepath",)),
    "keras.models.load_model": IOSpec("read", "model", kw=("filepath",)),
    "keras.saving.load_model": IOSpec("read", "model", kw=("filepath",)),
    "tensorflow.saved_model.load": IOSpec("read", "model", kw=("export_dir",)),
    "tensorflow.saved_model.save": IOSpec("write", "model", arg=1, kw=("export_dir",), value_arg=0),
    "tensorflow.keras.models.save_model": IOSpec("write", "model", arg=1, kw=("filepath",), value_arg=0),
    "keras.models.save_model": IOSpec("write", "model", arg=1, kw=("filepath",), value_arg=0),
    "xgboost.Booster": IOSpec("read", "model", arg=None, kw=("model_file",)),
    "lightgbm.Booster": IOSpec("read", "model", arg=None, kw=("model_file",)),
    "pyarrow.parquet.read_table": IOSpec("read", kw=("source",)),
    "pyarrow.parquet.write_table": IOSpec("write", arg=1, kw=("where",), value_arg=0),
    "pyarrow.csv.read_csv": IOSpec("read", kw=("input_file",)),
    "pyarrow.feather.read_feather": IOSpec("read", kw=("source",)),
    "pyarrow.feather.write_feather": IOSpec("write", arg=1, kw=("dest",), value_arg=0),
    "mlflow.log_artifact": IOSpec("read", kw=("local_path",)),
    "mlflow.log_artifacts": IOSpec("read", kw=("local_dir",)),
    "papermill.execute_notebook": IOSpec("execute", "notebook", kw=("input_path",), also_writes_arg=1,
                                         also_writes_kw=("output_path",)),
    "airflow.providers.papermill.operators.papermill.PapermillOperator": IOSpec(
        "execute", "notebook", arg=None, kw=("input_nb",), also_writes_kw=("output_nb",)),
    "requests.get": IOSpec("read", "url", kw=("url",)),
    "urllib.request.urlopen": IOSpec("read", "url", kw=("url",)),
    "urllib.request.urlretrieve": IOSpec("read", "url", kw=("url",), also_writes_arg=1, also_writes_kw=("filename",)),
    "wget.download": IOSpec("read", "url", kw=("url",), also_writes_arg=1, also_writes_kw=("out",)),
    "datasets.load_dataset": IOSpec("read", "hf", kw=("path",)),
    "datasets.load_from_disk": IOSpec("read", kw=("dataset_path",)),
    "dvc.api.read": IOSpec("read", kw=("path",)),
    "dvc.api.open": IOSpec("read", kw=("path",)),
    "matplotlib.pyplot.savefig": IOSpec("write", kw=("fname",)),
    "cv2.imread": IOSpec("read", kw=("filename",)),
    "cv2.imwrite": IOSpec("write", kw=("filename",), value_arg=1),
    "PIL.Image.open": IOSpec("read", kw=("fp",)),
    "shutil.copy": IOSpec("read", kw=("src",), also_writes_arg=1, also_writes_kw=("dst",)),
    "shutil.copyfile": IOSpec("read", kw=("src",), also_writes_arg=1, also_writes_kw=("dst",)),
    "shutil.copy2": IOSpec("read", kw=("src",), also_writes_arg=1, also_writes_kw=("dst",)),
    "shutil.move": IOSpec("read", kw=("src",), also_writes_arg=1, also_writes_kw=("dst",)),
    "glob.glob": IOSpec("read", kw=("pathname",)),
    "pathlib.Path.glob": IOSpec("read"),
})
REGISTRY_LOG = IOSpec("write", "registry", arg=None, kw=("registered_model_name",), value_arg=0)
FUNCTIONS["mlflow.register_model"] = IOSpec("write", "registry", arg=1, kw=("name",))
for _reader in ("csv", "parquet", "json", "images", "text", "binary_files", "numpy", "tfrecords"):
    FUNCTIONS[f"ray.data.read_{_reader}"] = IOSpec("read", kw=("paths",))
for _flavor in ("sklearn", "pytorch", "tensorflow", "keras", "xgboost", "lightgbm", "catboost", "pyfunc",
                "transformers", "onnx", "spark", "statsmodels", "prophet", "h2o"):
    FUNCTIONS[f"mlflow.{_flavor}.load_model"] = IOSpec("read", "model", kw=("model_uri",))
    # `artifact_path` lives inside each run's own artifact store, so only a registered name is shared
    FUNCTIONS[f"mlflow.{_flavor}.log_model"] = REGISTRY_LOG
    FUNCTIONS[f"mlflow.{_flavor}.save_model"] = IOSpec("write", "model", arg=1, kw=("path",), value_arg=0)

FUNCTIONS.update({
    "tensorflow.keras.callbacks.ModelCheckpoint": IOSpec("write", "model", kw=("filepath",)),
    "keras.callbacks.ModelCheckpoint": IOSpec("write", "model", kw=("filepath",)),
})
# Writers that add a suffix the code does not spell out: np.save("arr", a) writes arr.npy.
IMPLIED_SUFFIX = {"numpy.save": ".npy", "numpy.savez": ".npz", "numpy.savez_compressed": ".npz"}
# Arguments that look like paths to a reader but are in-memory buffers.
IN_MEMORY_BUFFERS = frozenset({"io.StringIO", "io.BytesIO", "StringIO", "BytesIO"})

# Config loaders: their result is a config document that later subscripts read keys from.
CONFIG_LOADERS: dict[str, int | None] = {  # qualname -> index of the path/stream argument (None: fixed file)
    "yaml.safe_load": 0, "yaml.load": 0, "yaml.full_load": 0, "yaml.unsafe_load": 0,
    "json.load": 0, "toml.load": 0, "tomllib.load": 0, "tomli.load": 0,
    "omegaconf.OmegaConf.load": 0, "dvc.api.params_show": None,
}
DEFAULT_CONFIG_FILE = {"dvc.api.params_show": "params.yaml"}

# Methods matched by name when the receiver's type is unknown (`df.to_csv(path)`).
METHODS: dict[str, IOSpec] = {}
for _writer in ("csv", "parquet", "json", "excel", "pickle", "feather", "hdf", "orc", "stata", "xml"):
    METHODS[f"to_{_writer}"] = IOSpec("write", kw=("path_or_buf", "path", "excel_writer", "fname", "path_or_buffer"),
                                      value_is_receiver=True)
for _writer in ("csv", "parquet", "json", "ndjson", "ipc", "excel", "avro", "delta"):
    METHODS[f"write_{_writer}"] = IOSpec("write", kw=("file",), value_is_receiver=True)
METHODS.update({
    "to_sql": IOSpec("write", "table", kw=("name",), value_is_receiver=True),
    "tofile": IOSpec("write", kw=("fid",), value_is_receiver=True),
    "sink_parquet": IOSpec("write", kw=("path",), value_is_receiver=True),
    "save_model": IOSpec("write", "model", kw=("fname", "filepath"), value_is_receiver=True),
    "save_weights": IOSpec("write", "model", kw=("filepath",), value_is_receiver=True),
    "save_pretrained": IOSpec("write", "model", kw=("save_directory",), value_is_receiver=True),
    "load_model": IOSpec("read", "model", kw=("fname", "filepath")),
    "load_weights": IOSpec("read", "model", kw=("filepath",)),
    "from_pretrained": IOSpec("read", "hf", kw=("pretrained_model_name_or_path",)),
    "savefig": IOSpec("write", kw=("fname",), value_is_receiver=True),
    "read_text": IOSpec("read", arg=None, path_is_receiver=True),
    "read_bytes": IOSpec("read", arg=None, path_is_receiver=True),
    "write_text": IOSpec("write", arg=None, path_is_receiver=True, value_arg=0),
    "write_bytes": IOSpec("write", arg=None, path_is_receiver=True, value_arg=0),
})
# `model.save(path)` (keras, statsmodels, gensim...) only counts when the receiver was fitted or built as a model.
MODEL_SAVE_METHODS = {"save": IOSpec("write", "model", kw=("filepath",), value_is_receiver=True)}

# Spark: `spark.read.<fmt>(path)`, `df.write.<fmt>(path)`, `.saveAsTable(name)`.
SPARK_READ_FORMATS = {"csv", "parquet", "json", "orc", "text", "load", "avro", "delta", "jdbc"}
SPARK_WRITE_FORMATS = {"csv", "parquet", "json", "orc", "text", "save", "avro", "delta"}
SPARK_TABLE_READS = {"table"}
SPARK_TABLE_WRITES = {"saveAsTable", "insertInto"}
SHELL_RUNNERS = frozenset({"subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output",
                           "subprocess.Popen", "os.system"})
SQL_EXECUTORS = {"execute", "executemany", "sql", "read_sql", "exec_driver_sql"}

# Orchestrators. A file importing one of these packages defines a pipeline (an Airflow DAG, a Prefect flow,
# Dagster assets...): the project code it imports or runs is run in the order it declares (MLD202).
ORCHESTRATOR_PACKAGES = frozenset({"airflow", "prefect", "prefect_shell", "dagster", "dagster_shell", "luigi",
                                   "kfp", "metaflow", "zenml", "flytekit"})
# Operator and task classes of those packages that run a shell command: class name -> (positional index of
# the command or None, its keywords). Matched by class name under an orchestrator package, since the same
# class moves between modules across versions (airflow.operators.bash, airflow.providers.standard...).
ORCHESTRATOR_COMMANDS = {
    "BashOperator": (None, ("bash_command",)),
    "SparkSubmitOperator": (None, ("application",)),  # the script itself (run by spark-submit)
    "ContainerSpec": (None, ("command", "args")),  # kfp container components
    "shell_run_command": (None, ("command",)),  # prefect-shell
    "SSHOperator": (None, ("command",)),
    "DockerOperator": (None, ("command",)),
    "KubernetesPodOperator": (None, ("cmds", "arguments")),
    "ShellOperation": (None, ("commands",)),  # prefect-shell
    "ShellTask": (None, ("command",)),  # prefect 1
    "create_shell_command_op": (0, ("shell_command",)),  # dagster-shell
    "execute_shell_command": (0, ("shell_command",)),
}

# Model training / inference.
FIT_METHODS = {"fit", "fit_transform", "partial_fit", "fit_generator", "fit_resample", "train"}
PREDICT_METHODS = {"predict", "predict_proba", "predict_log_proba", "decision_function", "score_samples"}
ML_CONSTRUCTOR_PREFIXES = (
    "sklearn.", "xgboost.", "lightgbm.", "catboost.", "torch.optim.", "tensorflow.keras.optimizers.",
    "keras.optimizers.", "tensorflow.keras.callbacks.", "transformers.TrainingArguments", "imblearn.",
    "statsmodels.", "prophet.", "torch.optim.lr_scheduler.", "transformers.Seq2SeqTrainingArguments",
    "trl.SFTConfig", "trl.DPOConfig", "trl.GRPOConfig", "trl.PPOConfig", "trl.ORPOConfig", "trl.KTOConfig",
    "trl.RewardConfig", "peft.LoraConfig",
)
NOT_HYPERPARAMETERS = frozenset({
    "random_state", "n_jobs", "verbose", "verbosity", "seed", "random_seed", "silent", "copy", "copy_X",
    "warm_start", "nthread", "thread_count", "device", "gpu_id", "n_gpus", "logging_steps", "save_steps",
    "output_dir", "logging_dir", "report_to", "eval_steps", "save_total_limit", "dataloader_num_workers",
    "last_epoch",  # a scheduler's resume position, not a setting to tune
})

# Logging and experiment-tracking set-up, for configuration sprawl.
LOGGING_SETUPS = frozenset({
    "logging.basicConfig", "logging.config.dictConfig", "logging.config.fileConfig", "logging.FileHandler",
    "logging.handlers.RotatingFileHandler", "logging.handlers.TimedRotatingFileHandler",
    "mlflow.set_tracking_uri", "wandb.init", "neptune.init_run", "neptune.init",
    "torch.utils.tensorboard.SummaryWriter", "tensorboardX.SummaryWriter",
})
TRACKING_CALLS = frozenset({"mlflow.set_tracking_uri", "wandb.init", "neptune.init_run", "neptune.init"})
# Environment variables that set the same destinations: name -> (the call it stands for, its setting).
TRACKING_VARIABLES = {"MLFLOW_TRACKING_URI": ("mlflow.set_tracking_uri", "arg0"),
                      "WANDB_PROJECT": ("wandb.init", "project"), "WANDB_ENTITY": ("wandb.init", "entity"),
                      "NEPTUNE_PROJECT": ("neptune.init_run", "project")}

# Monitoring: calls that record a prediction service's inputs/outputs somewhere a monitor can read.
MONITORING_MODULES = ("logging", "prometheus_client", "evidently", "whylogs", "mlflow", "statsd", "datadog",
                      "opentelemetry", "wandb", "structlog", "loguru", "nannyml", "arize", "sentry_sdk")
WEB_FRAMEWORK_MODULES = ("flask", "fastapi", "bentoml", "starlette", "django", "aiohttp", "sanic", "tornado",
                         "gradio", "streamlit", "ray.serve")


def extend_from_config(readers: dict[str, dict], writers: dict[str, dict]) -> None:
    """Add user-declared readers/writers: `{"mylib.load_table": {"arg": 0, "kind": "table"}}`."""
    for table, direction in ((readers, "read"), (writers, "write")):
        for name, opts in table.items():
            spec = IOSpec(direction, kind=str(opts.get("kind", "file")), arg=opts.get("arg", 0),
                          kw=tuple(opts.get("kw", ())), value_arg=opts.get("value-arg"))
            if name.startswith("."):
                METHODS[name[1:]] = replace(spec, value_is_receiver=direction == "write")
            else:
                FUNCTIONS[name] = spec


# Import hooks that make `import other_notebook` load `other_notebook.ipynb`; with the `ipynb` package
# the notebook is named after a prefix (`from ipynb.fs.full.prep import f` imports prep.ipynb).
NOTEBOOK_IMPORT_HOOKS = frozenset({"import_ipynb", "nbimporter", "importnb", "ipynb"})
NOTEBOOK_IMPORT_PREFIXES = ("ipynb.fs.full.", "ipynb.fs.defs.")

# Reads whose call result is not the data itself (a copy, an upload, a listing): an unused result of
# these is no unused data dependency (MLD103).
SIDE_EFFECT_READS = frozenset({
    "shutil.copy", "shutil.copyfile", "shutil.copy2", "shutil.move", "mlflow.log_artifact", "mlflow.log_artifacts",
    "urllib.request.urlretrieve", "wget.download", "glob.glob", "pathlib.Path.glob",
    # in-place loads: `ranker.load_model("m.cbm")` fills the object itself (CatBoost, xgboost Booster, Keras)
    ".load_model", ".load_weights", ".load_state_dict",
})

# Words in a path, URL or table name that say "whatever it holds right now" (MLD102).
UNSTABLE_NAME_WORDS = frozenset({"latest", "current", "live", "newest"})

# Estimators whose fit on other models' outputs is a self-contained ensemble, calibration or
# pseudo-labelling by design, not a correction cascade (MLD104), matched on the class name.
ENSEMBLE_CLASS_PREFIXES = ("Stacking", "Voting", "SelfTraining", "CalibratedClassifierCV")

# ---------------------------------------------------------------- ML-system anti-patterns (MLD2xx)
# Glue code (MLD201): conversions that move the same values from one container format to another.
CONVERSION_METHODS = frozenset({"to_numpy", "tolist", "to_list", "reshape", "astype", "to_dict", "to_records",
                                "numpy", "ravel", "flatten", "to_frame"})
CONVERSION_ATTRIBUTES = frozenset({"values"})
CONVERSION_FUNCTIONS = frozenset({
    "numpy.array", "numpy.asarray", "numpy.asanyarray", "numpy.ascontiguousarray", "pandas.DataFrame",
    "pandas.Series", "json.dumps", "json.loads", "torch.tensor", "torch.from_numpy", "torch.as_tensor",
    "tensorflow.convert_to_tensor", "tensorflow.constant",
})
# Calls that make a block "ML code": model fitting, inference and transformation.
MODEL_CALL_METHODS = FIT_METHODS | PREDICT_METHODS | {"transform", "inverse_transform", "fit_predict", "evaluate"}

# Multiple languages (MLD204): SQL entry points, and how shell commands are classified.
SQL_CALL_FUNCTIONS = frozenset({"pandas.read_sql", "pandas.read_sql_query", "polars.read_database", "sqlalchemy.text",
                                "duckdb.sql", "duckdb.query", "pandasql.sqldf"})
# Programs that install packages (MLD504's business) or only look at the machine or the data.
SHELL_INSTALLERS = frozenset({"pip", "pip3", "conda", "mamba", "micromamba", "apt", "apt-get", "yum", "brew", "uv",
                              "poetry", "pipenv", "npm"})
SHELL_INSPECTION = frozenset({
    "ls", "ll", "cat", "head", "tail", "less", "more", "nvidia-smi", "pwd", "du", "df", "wc", "tree", "which",
    "whereis", "echo", "free", "top", "htop", "ps", "env", "printenv", "nproc", "lscpu", "lsb_release", "uname",
    "file", "stat", "date", "whoami", "hostname", "find", "grep", "md5sum", "sha256sum", "diff", "nvcc",
    "git", "id", "cd", "export", "set", "sleep", "true", "false", "clear",
})
# Downloading, unpacking and moving files: environment set-up, left to MLD102 (unversioned sources).
SHELL_SETUP = frozenset({"wget", "curl", "gdown", "kaggle", "unzip", "tar", "gunzip", "gzip", "7z", "mkdir", "cp",
                         "mv", "rm", "ln", "touch", "chmod", "gsutil", "aws", "az", "rsync", "scp", "huggingface-cli",
                         "dvc", "git-lfs"})
# Programs that run a pipeline step: another interpreter, a notebook runner, a job submitter, a data language.
SHELL_PIPELINE_STEPS = frozenset({
    "Rscript", "R", "julia", "spark-submit", "pyspark", "node", "scala", "java", "papermill", "jupyter", "ipython",
    "make", "awk", "gawk", "sed", "jq", "psql", "mysql", "sqlite3", "bq", "snowsql", "dbt", "hive", "beeline", "bash", "sh",
    "zsh", "mlflow", "kedro", "luigi", "airflow", "accelerate", "torchrun", "deepspeed", "horovodrun",
})
# `python -m <module>` that installs or inspects rather than runs a step.
PYTHON_MODULES_NOT_STEPS = frozenset({"pip", "venv", "virtualenv", "ensurepip", "ipykernel", "nltk.downloader",
                                      "spacy", "pytest", "http.server", "json.tool", "site", "pip_audit", "platform",
                                      "torch.utils.collect_env", "tensorboard"})
# Cell magics whose body is another programming language, with the language's name for messages.
OTHER_LANGUAGE_CELL_MAGICS = {"sql": "SQL", "bash": "bash", "sh": "shell", "R": "R", "julia": "Julia",
                              "perl": "Perl", "ruby": "Ruby", "octave": "Octave", "matlab": "MATLAB",
                              "scala": "Scala", "spark": "Spark SQL", "sparksql": "Spark SQL", "bigquery": "SQL",
                              "script": "script"}

# Prototype smell (MLD205): ways of running or importing notebooks as if they were modules.
NOTEBOOK_IMPORTERS = ("import_ipynb", "nbimporter", "ipynb.fs", "importnb", "ipynb_path")
NOTEBOOK_TEST_TOOLS = ("nbval", "nbmake", "testbook", "treon", "pytest-notebook", "nbqa", "nbdime")
FUNCTIONS.setdefault("runpy.run_path", IOSpec("execute", "file", kw=("path_name",)))
FUNCTIONS.setdefault("nbclient.execute", IOSpec("execute", "notebook", kw=("nb",)))

# ---------------------------------------------------------------- external world (MLD4xx)
# Fixed thresholds (MLD401): calls whose output is a model score, and transforms that keep it a score.
SCORE_METHODS = frozenset({"predict_proba", "decision_function", "predict", "predict_log_proba"})
SCORE_PRESERVING_METHODS = frozenset({"ravel", "flatten", "squeeze", "reshape", "max", "min", "round", "clip",
                                      "numpy", "cpu", "detach", "item", "tolist", "to_numpy", "astype", "copy"})
SCORE_PRESERVING_FUNCTIONS = frozenset({
    "numpy.ravel", "numpy.squeeze", "numpy.asarray", "numpy.array", "numpy.max", "numpy.amax", "numpy.min",
    "numpy.amin", "numpy.clip", "numpy.round", "numpy.around", "scipy.special.expit", "scipy.special.softmax",
    "torch.sigmoid", "torch.softmax", "tensorflow.sigmoid", "tensorflow.nn.sigmoid", "tensorflow.nn.softmax",
    "float", "pandas.Series",
})
# Unmonitored predictions (MLD402): web routes, and calls that record values somewhere a monitor can read.
WEB_ROUTE_DECORATORS = frozenset({"route", "get", "post", "put", "patch", "api_route", "websocket", "api"})
DRIFT_MONITORING_MODULES = ("evidently", "whylogs", "nannyml", "arize", "alibi_detect", "deepchecks", "fiddler",
                            "prometheus_client", "statsd", "datadog", "opentelemetry")
LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "log", "bind"})
METRIC_METHODS = frozenset({"observe", "inc", "dec", "set", "labels", "gauge", "increment", "histogram", "timing",
                            "distribution", "log_metric", "log_metrics", "log_table", "log_dict", "log_predictions",
                            "add_scalar", "record"})
EVALUATION_PREFIXES = ("sklearn.metrics.", "torchmetrics.", "evaluate.")



# ---------------------------------------------------------------- data leakage (MLD602-MLD604)
# Transformers that learn statistics from the data they are fitted on (class names, matched on the last
# component of the qualified name so `preprocessing.StandardScaler` and `StandardScaler` both match).
LEAKY_TRANSFORMERS = frozenset({
    # scaling and distribution
    "StandardScaler", "MinMaxScaler", "MaxAbsScaler", "RobustScaler", "QuantileTransformer", "PowerTransformer",
    "KBinsDiscretizer", "SplineTransformer",
    # imputation
    "SimpleImputer", "KNNImputer", "IterativeImputer", "MissingIndicator",
    # encoders (sklearn, category_encoders, feature-engine)
    "OneHotEncoder", "OrdinalEncoder", "TargetEncoder", "WOEEncoder", "CatBoostEncoder", "LeaveOneOutEncoder",
    "JamesSteinEncoder", "MEstimateEncoder", "CountEncoder", "GLMMEncoder", "QuantileEncoder",
    "CountFrequencyEncoder", "MeanEncoder", "RareLabelEncoder", "MeanMedianImputer", "ArbitraryNumberImputer",
    "CategoricalImputer", "EndTailImputer", "Winsorizer", "OutlierTrimmer",
    # feature selection
    "SelectKBest", "SelectPercentile", "SelectFpr", "SelectFdr", "SelectFwe", "GenericUnivariateSelect",
    "VarianceThreshold", "RFE", "RFECV", "SelectFromModel", "SequentialFeatureSelector", "Boruta", "BorutaPy",
    # decomposition and projection
    "PCA", "KernelPCA", "IncrementalPCA", "SparsePCA", "MiniBatchSparsePCA", "TruncatedSVD", "FastICA", "NMF",
    "FactorAnalysis", "LatentDirichletAllocation", "DictionaryLearning", "GaussianRandomProjection",
    "SparseRandomProjection", "Nystroem", "RBFSampler",
    # text: vocabularies and document frequencies; Keras preprocessing that `adapt`s or `fit_on_texts`
    "CountVectorizer", "TfidfVectorizer", "TfidfTransformer", "DictVectorizer", "Tokenizer", "TextVectorization",
    "Normalization", "StringLookup", "IntegerLookup", "Discretization", "CategoryEncoding",
})
# Transformers whose output for a row does not depend on other rows (or that only encode the label):
# fitting them on all the data leaks nothing.
STATELESS_TRANSFORMERS = frozenset({
    "Normalizer", "Binarizer", "FunctionTransformer", "PolynomialFeatures", "HashingVectorizer",
    "FeatureHasher", "LabelEncoder", "LabelBinarizer", "MultiLabelBinarizer",
})
# Composites: a pipeline is a transformer or a model depending on its last step.
PIPELINE_CONSTRUCTORS = frozenset({"Pipeline", "make_pipeline"})
COMPOSITE_TRANSFORMERS = frozenset({"ColumnTransformer", "make_column_transformer", "FeatureUnion", "make_union"})
# Functions that fit and apply a transform in one call (`preprocessing.scale(X)`).
LEAKY_TRANSFORM_FUNCTIONS = frozenset({"scale", "minmax_scale", "robust_scale", "maxabs_scale",
                                       "quantile_transform", "power_transform"})
TRANSFORMER_FIT_METHODS = frozenset({"fit", "fit_transform", "fit_on_texts", "fit_on_sequences", "adapt"})
TRANSFORM_METHODS = frozenset({"transform", "fit_transform", "texts_to_sequences", "texts_to_matrix",
                               "sequences_to_matrix"})
# Variable names that suggest a transformer when its class is not visible (a parameter, a loaded object).
TRANSFORMER_NAME_HINTS = ("scaler", "imputer", "encoder", "vectorizer", "vectoriser", "tfidf", "pca", "svd",
                          "selector", "tokenizer", "tokeniser", "enc", "ohe", "vect")

# pandas/numpy statistics that leak when used to fill or rescale data (`fillna(df.mean())`, `x / x.max()`).
STATISTIC_METHODS = frozenset({"mean", "median", "mode", "std", "var", "min", "max", "quantile"})
STATISTIC_FUNCTIONS = frozenset({"numpy.mean", "numpy.median", "numpy.std", "numpy.var", "numpy.min", "numpy.max",
                                 "numpy.nanmean", "numpy.nanmedian", "numpy.nanstd", "numpy.percentile",
                                 "numpy.quantile", "numpy.amin", "numpy.amax"})
FILL_METHODS = frozenset({"fillna", "replace", "clip", "where", "mask"})

# Train/test splitting.
SPLIT_FUNCTIONS = frozenset({"train_test_split", "random_split"})  # last component of the qualified name
SPLIT_METHODS = frozenset({"train_test_split"})  # `dataset.train_test_split(test_size=...)` (Hugging Face)
SPLITTER_CLASSES = frozenset({
    "KFold", "StratifiedKFold", "GroupKFold", "StratifiedGroupKFold", "ShuffleSplit", "StratifiedShuffleSplit",
    "GroupShuffleSplit", "TimeSeriesSplit", "RepeatedKFold", "RepeatedStratifiedKFold", "LeaveOneOut",
    "LeavePOut", "LeaveOneGroupOut", "LeavePGroupsOut", "PredefinedSplit",
})
SPLITTER_NAME_HINTS = ("kf", "skf", "kfold", "folds", "fold", "cv", "splitter", "sss", "gkf", "tscv", "rkf", "loo")
# Cross-validation helpers: an internal split of X, and an out-of-sample evaluation of the estimator.
CV_FUNCTIONS = frozenset({"cross_val_score", "cross_validate", "cross_val_predict", "learning_curve",
                          "validation_curve", "permutation_test_score"})
SEARCH_CV_CLASSES = frozenset({"GridSearchCV", "RandomizedSearchCV", "HalvingGridSearchCV",
                               "HalvingRandomSearchCV", "BayesSearchCV", "TuneSearchCV", "TuneGridSearchCV"})

# Oversampling creates copies or interpolations of rows: done before a split, the same (or near-same) rows
# land in training and test. Undersamplers only drop rows and are not listed.
OVERSAMPLERS = frozenset({"SMOTE", "ADASYN", "BorderlineSMOTE", "SVMSMOTE", "KMeansSMOTE", "SMOTENC", "SMOTEN",
                          "RandomOverSampler", "SMOTETomek", "SMOTEENN"})
OVERSAMPLER_NAME_HINTS = ("smote", "adasyn", "oversampl", "ros", "over_sampler", "sampler_over")

# Evaluation: metric functions taking (y_true, y_pred), model methods scoring on (X, y), plot helpers.
METRIC_FUNCTIONS = frozenset({
    "accuracy_score", "balanced_accuracy_score", "f1_score", "fbeta_score", "precision_score", "recall_score",
    "roc_auc_score", "average_precision_score", "log_loss", "brier_score_loss", "hinge_loss", "zero_one_loss",
    "hamming_loss", "jaccard_score", "matthews_corrcoef", "cohen_kappa_score", "top_k_accuracy_score",
    "precision_recall_fscore_support", "classification_report", "confusion_matrix", "multilabel_confusion_matrix",
    "roc_curve", "precision_recall_curve", "det_curve", "mean_squared_error", "root_mean_squared_error",
    "mean_absolute_error", "mean_absolute_percentage_error", "median_absolute_error", "mean_squared_log_error",
    "root_mean_squared_log_error", "r2_score", "explained_variance_score", "max_error", "mean_poisson_deviance",
    "mean_gamma_deviance", "mean_tweedie_deviance", "d2_absolute_error_score", "from_predictions",
})
MODEL_SCORE_METHODS = frozenset({"score", "evaluate"})
ESTIMATOR_PLOTS = frozenset({"from_estimator", "plot_confusion_matrix", "plot_roc_curve",
                             "plot_precision_recall_curve"})
# Reductions that pick a winner among several scores.
SELECTION_FUNCTIONS = frozenset({"max", "min", "sorted", "numpy.argmax", "numpy.argmin", "numpy.max", "numpy.min",
                                 "numpy.argsort", "numpy.sort"})
SELECTION_METHODS = frozenset({"idxmax", "idxmin", "sort_values", "nlargest", "nsmallest", "argmax", "argmin",
                               "sort"})
# Names that mark a validation set (held out for selection) as opposed to a final test set.
VALIDATION_NAME_HINTS = ("val", "valid", "validation", "dev")
TRAIN_NAME_HINTS = ("train", "tr", "trn", "fit")
TEST_NAME_HINTS = ("test", "tst", "te", "holdout", "hold_out", "eval")


# ---------------------------------------------------------------- notebooks (MLD5xx)
# Names an IPython kernel defines before any cell runs (besides builtins and `_3`-style history names).
IPYTHON_NAMESPACE = frozenset({
    "display", "get_ipython", "In", "Out", "exit", "quit", "__IPYTHON__", "__file__", "__builtins__",
    "__builtin__", "__annotations__", "__cached__", "__vsc_ipynb_file__", "help", "copyright", "credits", "license",
    # automagics and aliases IPython runs as bare words (`ls`, `pwd`) when no variable has that name
    "ls", "pwd", "clear", "who", "whos", "who_ls", "history", "lsmagic", "env", "magic",
})


# ---------------------------------------------------------------- randomness (MLD601)
@dataclass(frozen=True)
class RandomAPI:
    """A call whose result depends on a random number generator, and how it can be seeded.

    `seed_kw`/`seed_arg`: where a seed or generator is passed. `covered_by`: the library whose global
    seed the call falls back to when it gets none (None: no global seed reaches it, as for
    `np.random.default_rng()`). `when`: (keyword, positional index, values that make the call random,
    default) for calls that are random only in some modes (`KFold(shuffle=True)`). `default_seeded`: the
    library uses a fixed seed when given none (xgboost, LightGBM and CatBoost do), so it never flags.
    `kind`: "split", "sampler", "estimator", "generator" or "draw" (a bare draw from a global RNG).
    """

    kind: str
    seed_kw: tuple[str, ...] = ("random_state",)
    seed_arg: int | None = None
    covered_by: str | None = "numpy"
    when: tuple | None = None
    default_seeded: bool = False
    roots: tuple[str, ...] = ("sklearn",)  # packages a class/function name must come from (by-name entries)


_SPLIT, _EST = RandomAPI("split"), RandomAPI("estimator")
# Matched on the last component of the qualified name, provided it comes from one of `roots`
# (`sklearn.ensemble.RandomForestClassifier`, `sklearn.ensemble._forest.RandomForestClassifier`).
RANDOM_BY_NAME: dict[str, RandomAPI] = {}
for _name in ("train_test_split",):
    RANDOM_BY_NAME[_name] = RandomAPI("split", when=("shuffle", None, (True,), True))
for _name in ("ShuffleSplit", "StratifiedShuffleSplit", "GroupShuffleSplit", "RepeatedKFold",
              "RepeatedStratifiedKFold", "shuffle", "resample", "permutation_importance"):
    RANDOM_BY_NAME[_name] = _SPLIT
for _name in ("KFold", "StratifiedKFold", "GroupKFold", "StratifiedGroupKFold"):
    RANDOM_BY_NAME[_name] = RandomAPI("split", when=("shuffle", 1, (True,), False))
for _name in ("classification", "regression", "blobs", "moons", "circles", "friedman1", "friedman2", "friedman3",
              "s_curve", "swiss_roll", "low_rank_matrix", "sparse_coded_signal", "spd_matrix", "gaussian_quantiles",
              "multilabel_classification", "hastie_10_2", "biclusters", "checkerboard", "sparse_uncorrelated"):
    RANDOM_BY_NAME[f"make_{_name}"] = RandomAPI("sampler")
for _name in ("RandomForestClassifier", "RandomForestRegressor", "ExtraTreesClassifier", "ExtraTreesRegressor",
              "GradientBoostingClassifier", "GradientBoostingRegressor", "DecisionTreeClassifier",
              "DecisionTreeRegressor", "ExtraTreeClassifier", "ExtraTreeRegressor", "BaggingClassifier",
              "BaggingRegressor", "AdaBoostClassifier", "AdaBoostRegressor", "IsolationForest", "RandomTreesEmbedding",
              "SGDClassifier", "SGDRegressor", "SGDOneClassSVM", "Perceptron", "PassiveAggressiveClassifier",
              "PassiveAggressiveRegressor", "MLPClassifier", "MLPRegressor", "BernoulliRBM", "KMeans",
              "MiniBatchKMeans", "BisectingKMeans", "SpectralClustering", "GaussianMixture", "BayesianGaussianMixture",
              "TSNE", "MDS", "SpectralEmbedding", "TruncatedSVD", "FastICA", "FactorAnalysis",
              "LatentDirichletAllocation", "DictionaryLearning", "MiniBatchDictionaryLearning", "SparsePCA",
              "MiniBatchSparsePCA", "GaussianRandomProjection", "SparseRandomProjection", "RBFSampler", "Nystroem",
              "SkewedChi2Sampler", "RandomizedSearchCV", "HalvingRandomSearchCV"):
    RANDOM_BY_NAME[_name] = _EST
# Estimators whose `random_state` only matters in some modes (the default mode is deterministic).
for _name, _when in {
    "SVC": ("probability", None, (True,), False), "NuSVC": ("probability", None, (True,), False),
    "PCA": ("svd_solver", None, ("randomized", "arpack"), "auto"),
    "KernelPCA": ("eigen_solver", None, ("randomized", "arpack"), "auto"),
    "NMF": ("init", None, ("random",), None), "LogisticRegression": ("solver", None, ("sag", "saga", "liblinear"), "lbfgs"),
    "Ridge": ("solver", None, ("sag", "saga"), "auto"), "Lasso": ("selection", None, ("random",), "cyclic"),
    "ElasticNet": ("selection", None, ("random",), "cyclic"), "LassoCV": ("selection", None, ("random",), "cyclic"),
    "ElasticNetCV": ("selection", None, ("random",), "cyclic"),
    "DummyClassifier": ("strategy", None, ("stratified", "uniform"), "prior"),
}.items():
    RANDOM_BY_NAME[_name] = RandomAPI("estimator", when=_when)
for _name in ("SMOTE", "ADASYN", "BorderlineSMOTE", "SVMSMOTE", "KMeansSMOTE", "SMOTENC", "SMOTEN", "RandomOverSampler",
              "RandomUnderSampler", "ClusterCentroids", "SMOTETomek", "SMOTEENN", "BalancedRandomForestClassifier",
              "BalancedBaggingClassifier", "EasyEnsembleClassifier", "RUSBoostClassifier"):
    RANDOM_BY_NAME[_name] = RandomAPI("sampler", roots=("imblearn",))
RANDOM_BY_NAME["UMAP"] = RandomAPI("estimator", roots=("umap",))
# Gradient-boosting libraries seed themselves (xgboost seed=0, LightGBM's fixed C++ seeds, CatBoost 0):
# listed so the table says how to seed them, never flagged.
for _name in ("XGBClassifier", "XGBRegressor", "XGBRanker", "XGBRFClassifier", "XGBRFRegressor", "LGBMClassifier",
              "LGBMRegressor", "LGBMRanker", "CatBoostClassifier", "CatBoostRegressor", "CatBoostRanker"):
    RANDOM_BY_NAME[_name] = RandomAPI("estimator", seed_kw=("random_state", "seed", "random_seed"),
                                      default_seeded=True, roots=("xgboost", "lightgbm", "catboost"))
for _name in ("random_split", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler"):
    RANDOM_BY_NAME[_name] = RandomAPI("sampler", seed_kw=("generator",), covered_by="torch", roots=("torch",))
RANDOM_BY_NAME["DataLoader"] = RandomAPI("sampler", seed_kw=("generator",), covered_by="torch", roots=("torch",),
                                         when=("shuffle", 2, (True,), False))
for _name in ("image_dataset_from_directory", "text_dataset_from_directory", "audio_dataset_from_directory"):
    RANDOM_BY_NAME[_name] = RandomAPI("sampler", seed_kw=("seed",), when=("shuffle", None, (True,), True),
                                      roots=("tensorflow", "keras"))

# Fully qualified draws and generator constructors.
RANDOM_FUNCTIONS: dict[str, RandomAPI] = {}
for _name in ("rand", "randn", "randint", "random", "random_sample", "ranf", "sample", "choice", "shuffle",
              "permutation", "normal", "uniform", "binomial", "poisson", "exponential", "beta", "gamma", "multinomial",
              "multivariate_normal", "standard_normal", "lognormal", "laplace", "logistic", "geometric", "bytes",
              "dirichlet", "triangular", "weibull", "chisquare", "standard_t", "random_integers"):
    RANDOM_FUNCTIONS[f"numpy.random.{_name}"] = RandomAPI("draw", seed_kw=())
for _name in ("random", "randint", "randrange", "choice", "choices", "shuffle", "sample", "uniform", "gauss",
              "normalvariate", "triangular", "betavariate", "expovariate", "getrandbits", "lognormvariate",
              "vonmisesvariate", "paretovariate", "weibullvariate", "gammavariate", "binomialvariate", "randbytes"):
    RANDOM_FUNCTIONS[f"random.{_name}"] = RandomAPI("draw", seed_kw=(), covered_by="random")
for _name in ("rand", "randn", "randint", "randperm", "normal", "bernoulli", "multinomial", "poisson", "rand_like",
              "randn_like", "randint_like"):
    RANDOM_FUNCTIONS[f"torch.{_name}"] = RandomAPI("draw", seed_kw=("generator",), covered_by="torch")
for _name in ("uniform", "normal", "truncated_normal", "shuffle", "categorical", "gamma", "poisson"):
    RANDOM_FUNCTIONS[f"tensorflow.random.{_name}"] = RandomAPI("draw", seed_kw=("seed",), covered_by="tensorflow")
for _name in ("numpy.random.default_rng", "numpy.random.RandomState", "numpy.random.PCG64", "numpy.random.MT19937",
              "numpy.random.Philox", "numpy.random.SFC64", "random.Random"):
    RANDOM_FUNCTIONS[_name] = RandomAPI("generator", seed_kw=("seed", "x"), seed_arg=0, covered_by=None)
# `.sample(...)` on a pandas DataFrame/Series (receiver type unknown: only where pandas is imported).
RANDOM_METHODS: dict[str, RandomAPI] = {
    "sample": RandomAPI("sampler", seed_kw=("random_state", "seed"), roots=("pandas", "polars", "pyspark", "modin")),
}

# Global seeding: qualified call -> libraries whose global generator it seeds.
_ALL_LIBRARIES = frozenset({"numpy", "random", "torch", "tensorflow"})
GLOBAL_SEEDERS: dict[str, frozenset[str]] = {
    "random.seed": frozenset({"random"}),
    "numpy.random.seed": frozenset({"numpy"}),
    "torch.manual_seed": frozenset({"torch"}), "torch.random.manual_seed": frozenset({"torch"}),
    "tensorflow.random.set_seed": frozenset({"tensorflow"}), "tensorflow.set_random_seed": frozenset({"tensorflow"}),
    "tensorflow.compat.v1.set_random_seed": frozenset({"tensorflow"}),
    "tensorflow.compat.v1.random.set_random_seed": frozenset({"tensorflow"}),
    "tensorflow.keras.utils.set_random_seed": frozenset({"random", "numpy", "tensorflow"}),
    "keras.utils.set_random_seed": frozenset({"random", "numpy", "tensorflow"}),
}
# Calls that look like seeding but draw a fresh, unpredictable seed.
NOT_SEEDERS = frozenset({"torch.seed", "torch.random.seed", "torch.cuda.seed", "torch.cuda.seed_all"})
# Any other function whose name says it seeds (`set_seed`, `seed_everything`, `fix_seeds`, a project's own
# helper) is taken to seed every library: transformers, accelerate, lightning and fastai helpers all do.
SEED_HELPER_WORD = "seed"
SEED_HELPER_LIBRARIES = _ALL_LIBRARIES


def random_api(qualname: str) -> RandomAPI | None:
    """The table entry for a call's qualified name (exact function, or a known package's class/function)."""
    spec = RANDOM_FUNCTIONS.get(qualname)
    if spec is not None:
        return spec
    root, _, rest = qualname.partition(".")
    spec = RANDOM_BY_NAME.get(qualname.rsplit(".", 1)[-1])
    return spec if spec is not None and rest and root in spec.roots else None


# Configuration debt (MLD3xx).
# Constructors whose numeric keywords are evaluation or data settings, not model hyperparameters (MLD301).
NOT_HYPERPARAMETER_CONSTRUCTORS = (
    "sklearn.model_selection.", "sklearn.metrics.", "sklearn.datasets.", "sklearn.inspection.", "sklearn.utils.",
    "sklearn.exceptions.", "sklearn.calibration.CalibrationDisplay", "tensorflow.keras.callbacks.ModelCheckpoint",
    "tensorflow.keras.callbacks.TensorBoard", "tensorflow.keras.callbacks.CSVLogger",
)
# Path prefixes that exist on one person's machine only (MLD302); `~` and drive letters are handled by the rule.
USER_PATH_PREFIXES = ("/home/", "/Users/", "/mnt/", "/media/", "/Volumes/", "/root/", "/content/drive/",
                      "/home2/", "/scratch/")  # cluster home and scratch file systems belong to one user too
# Environment variables set by the OS, shells, CI systems, clusters and ML platforms (MLD304).
WELL_KNOWN_ENV_VARS = frozenset({
    "HOME", "PATH", "USER", "USERNAME", "LOGNAME", "SHELL", "PWD", "TMPDIR", "TEMP", "TMP", "LANG", "LC_ALL",
    "TERM", "HOSTNAME", "PYTHONPATH", "PYTHONHASHSEED", "VIRTUAL_ENV", "CONDA_PREFIX", "CONDA_DEFAULT_ENV",
    "CUDA_VISIBLE_DEVICES", "CUDA_HOME", "LD_LIBRARY_PATH", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
    "RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT", "NODE_RANK",
    "CI", "DEBUG", "PORT", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "JUPYTER_PATH",
    "GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CLOUD_PROJECT", "KAGGLE_USERNAME", "KAGGLE_KEY", "DATABASE_URL",
})
WELL_KNOWN_ENV_PREFIXES = (
    "AWS_", "AZURE_", "GCP_", "GCLOUD_", "GITHUB_", "GITLAB_", "CI_", "RUNNER_", "BUILDKITE_", "CIRCLE",
    "TRAVIS_", "JENKINS_", "SLURM_", "PBS_", "KUBERNETES_", "SM_", "SAGEMAKER_", "MLFLOW_", "WANDB_", "NEPTUNE_",
    "COMET_", "HF_", "HUGGINGFACE_", "TRANSFORMERS_", "TORCH_", "TF_", "NCCL_", "CUDA_", "PYTHON", "JUPYTER_",
    "COLAB_", "KAGGLE_", "DATABRICKS_", "SPARK_", "PYSPARK_", "HADOOP_", "JAVA_", "DVC_", "LC_", "XDG_",
)
# Modules that load a .env file into the environment: env vars may then come from an uncommitted .env.
DOTENV_MODULES = ("dotenv", "environs", "decouple")
# Calls whose string arguments are messages or patterns, not paths the code opens (MLD302).
MESSAGE_FUNCTIONS = frozenset({"print", "warnings.warn", "logging.debug", "logging.info", "logging.warning",
                               "logging.error", "logging.exception", "logging.critical", "logging.log",
                               "click.echo", "click.secho", "display", "IPython.display.Markdown"})
MESSAGE_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "log", "echo",
                             "startswith", "endswith", "replace", "strip", "lstrip", "rstrip", "removeprefix",
                             "removesuffix", "split", "rsplit", "partition", "find", "rfind", "index", "count",
                             "write", "set_description", "add_text", "markdown"})
# Logging and tracking set-ups that configure where logs and runs go, with the settings worth comparing
# between two places (MLD305). Tracking calls count only with a literal destination.
LOGGING_CONFIG_SETTINGS = {
    "logging.basicConfig": ("level", "format", "filename", "datefmt"),
    "logging.config.dictConfig": ("arg0",), "logging.config.fileConfig": ("arg0",),
    "logging.FileHandler": ("arg0", "filename"), "logging.handlers.RotatingFileHandler": ("arg0", "filename"),
    "logging.handlers.TimedRotatingFileHandler": ("arg0", "filename"),
}
TRACKING_DESTINATION_SETTINGS = {
    "mlflow.set_tracking_uri": ("arg0", "uri"), "wandb.init": ("project", "entity", "host"),
    "neptune.init_run": ("project",), "neptune.init": ("project",),
}

# MLD402: calls that store or ship predictions somewhere a monitor can read (a database, a queue, a store).
# File writes (`np.save`, `to_csv`) are what MLD402 reports, so plain save/write/put do not count.
RECORDING_CALL = re.compile(r"(?i)^(?:store|insert|record|persist|track|send|publish|emit|push|produce|upsert|log)"
                            r"|_(?:db|database|table|store|queue|monitor|metrics)$")

# MLD206: writers that only download a remote file to a local copy (two of them write the same bytes).
DOWNLOAD_APIS = frozenset({"urllib.request.urlretrieve", "wget.download", "tensorflow.keras.utils.get_file",
                           "keras.utils.get_file"})

# Hugging Face: `from_pretrained` counts only on these libraries' classes; local dataset builders.
HF_METHODS = frozenset({"from_pretrained"})  # class methods; `save_pretrained` is called on instances
HF_LIBRARIES = frozenset({"transformers", "diffusers", "sentence_transformers", "peft", "timm", "huggingface_hub",
                          "optimum", "accelerate", "setfit", "tokenizers", "trl"})
HF_LOCAL_BUILDERS = frozenset({"csv", "json", "parquet", "text", "arrow", "pandas", "imagefolder", "audiofolder",
                               "webdataset", "sql"})

# `df.sample(...)` seeds differently per dataframe library: pandas/modin `random_state=`, polars `seed=`
# (numpy's global seed does not reach polars). With both imported, which one a frame is is unknown.
POLARS_SAMPLE = RandomAPI("sampler", seed_kw=("seed",), covered_by=None, roots=("polars",))
# Hugging Face `datasets` methods: without `seed`/`generator` they draw from a fresh `np.random.default_rng()`,
# which no global seed reaches. Matched as methods in units that import `datasets`.
HF_DATASET_METHODS = {
    "shuffle": RandomAPI("sampler", seed_kw=("seed", "generator"), seed_arg=0, covered_by=None, roots=("datasets",)),
    "train_test_split": RandomAPI("split", seed_kw=("seed", "generator"), covered_by=None, roots=("datasets",),
                                  when=("shuffle", None, (True,), True)),
}


def dataframe_sample_spec(imported_roots: set[str]) -> RandomAPI | None:
    """The spec of `.sample()` in a unit importing these top-level packages (None when ambiguous)."""
    pandas_like = bool(imported_roots & {"pandas", "modin", "pyspark"})
    polars = "polars" in imported_roots
    if polars and pandas_like:
        return None
    return POLARS_SAMPLE if polars else RANDOM_METHODS["sample"]


# Top-level packages that are never modules of the scanned project: calls into them are not helpers whose
# I/O the graph instantiates at the call (`FileFacts.foreign_calls`). The standard library, plus the
# libraries ML code calls most with string arguments.
import sys as _sys

NON_PROJECT_PACKAGES = frozenset(getattr(_sys, "stdlib_module_names", ())) | frozenset({
    "numpy", "np", "pandas", "pd", "sklearn", "scipy", "torch", "torchvision", "torchaudio", "tensorflow", "tf",
    "keras", "matplotlib", "plt", "seaborn", "sns", "plotly", "px", "go", "xgboost", "xgb", "lightgbm", "lgb",
    "catboost", "transformers", "datasets", "tokenizers", "mlflow", "wandb", "requests", "boto3", "botocore",
    "yaml", "joblib", "tqdm", "pyspark", "polars", "pl", "dask", "ray", "statsmodels", "sm", "nltk", "spacy",
    "cv2", "PIL", "skimage", "IPython", "click", "typer", "fastapi", "flask", "pydantic", "hydra", "omegaconf",
    "dotenv", "sqlalchemy", "psycopg2", "pymongo", "redis", "google", "azure", "openai", "langchain",
    "airflow", "prefect", "dagster", "kedro", "great_expectations", "evidently", "shap", "optuna", "lightning",
    "pytorch_lightning", "accelerate", "peft", "huggingface_hub", "sentence_transformers", "gensim", "bs4",
    "selenium", "streamlit", "gradio", "dvc", "pytest", "tensorboard", "onnx", "onnxruntime", "jax", "flax",
})


def may_be_project_module(module: str) -> bool:
    """Whether an imported module can be one of the scanned project's (relative, or not a known library)."""
    return module.startswith(".") or module.split(".", 1)[0] not in NON_PROJECT_PACKAGES
