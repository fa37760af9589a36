# leakage-corpus: expect=MLD603
import pandas as pd
from sklearn.utils import resample
from sklearn.model_selection import train_test_split
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import recall_score

df = pd.read_csv("data/churn.csv")
df_majority = df[df.churn == 0]
df_minority = df[df.churn == 1]
df_minority_upsampled = resample(df_minority, replace=True, n_samples=len(df_majority), random_state=123)
df_upsampled = pd.concat([df_majority, df_minority_upsampled])

y = df_upsampled.churn
X = df_upsampled.drop("churn", axis=1)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=27)
clf = LogisticRegression(max_iter=1000).fit(X_train, y_train)
print("recall", recall_score(y_test, clf.predict(X_test)))
