# leakage-corpus: expect=none
import pandas as pd
from imblearn.over_sampling import SMOTE
from imblearn.pipeline import Pipeline as ImbPipeline
from sklearn.preprocessing import RobustScaler
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
from sklearn.metrics import average_precision_score

df = pd.read_csv("creditcard.csv")
X, y = df.drop(columns="Class"), df["Class"]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=42)

pipe = ImbPipeline([
    ("scale", RobustScaler()),
    ("smote", SMOTE(random_state=42)),
    ("clf", LogisticRegression(max_iter=1000)),
])
cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=42)
print("CV AP:", cross_val_score(pipe, X_train, y_train, cv=cv, scoring="average_precision").mean())
pipe.fit(X_train, y_train)
print("test AP:", average_precision_score(y_test, pipe.predict_proba(X_test)[:, 1]))
