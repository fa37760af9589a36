# leakage-corpus: expect=none
import pandas as pd
import matplotlib.pyplot as plt
from sklearn.model_selection import train_test_split
from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

digits = pd.read_csv("digits.csv")
X, y = digits.drop(columns="digit"), digits["digit"]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)
clf = make_pipeline(StandardScaler(), SGDClassifier(loss="log_loss", alpha=1e-4, random_state=0))
clf.fit(X_train, y_train)
print("train", clf.score(X_train, y_train), "test", clf.score(X_test, y_test))
plt.bar(["train", "test"], [clf.score(X_train, y_train), clf.score(X_test, y_test)])
